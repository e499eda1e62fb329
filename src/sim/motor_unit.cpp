#include "edx/sim/motor_unit.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <stdexcept>
#include <string>

#include "needle_emg_table.hpp"

namespace edx::sim {

namespace nt = needle_table;

std::string_view to_string(MuapClass muap_class) noexcept {
    switch (muap_class) {
        case MuapClass::normal: return "normal";
        case MuapClass::neuropathic: return "neuropathic";
        case MuapClass::myopathic: return "myopathic";
    }
    return "unknown";
}

std::optional<MuapClass> parse_muap_class(std::string_view text) noexcept {
    for (auto c : {MuapClass::normal, MuapClass::neuropathic, MuapClass::myopathic}) {
        if (to_string(c) == text) return c;
    }
    return std::nullopt;
}

namespace {

// Reads the entries of one section of motor_unit into the model; a class
// section lists only what differs from normal.
void read_section(MotorUnitModel& m, const std::string& section) {
    const auto P = nt::physiology;
    auto at = [&](const char* key) { return section + "/" + key; };
    auto has = [&](const char* key) { return nt::has(P, at(key)); };
    if (has("fibre_count")) {
        m.fibre_count_median = nt::field(P, at("fibre_count"), "median");
        m.fibre_count_log_sd = nt::field(P, at("fibre_count"), "log_sd");
        m.fibre_count_limits = {nt::field(P, at("fibre_count"), "min"), nt::field(P, at("fibre_count"), "max")};
    }
    if (has("territory_radius_mm")) m.territory_radius_mm = nt::interval(P, at("territory_radius_mm"));
    if (has("needle_position_fraction")) m.needle_position_fraction = nt::value(P, at("needle_position_fraction"));
    if (has("fibre_diameter_um")) {
        m.fibre_diameter_mean_um = nt::field(P, at("fibre_diameter_um"), "mean");
        m.fibre_diameter_sd_um = nt::field(P, at("fibre_diameter_um"), "sd");
        m.fibre_diameter_limits_um = {nt::field(P, at("fibre_diameter_um"), "min"),
                                      nt::field(P, at("fibre_diameter_um"), "max")};
    }
    if (has("endplate_distance_mm")) m.endplate_distance_mm = nt::interval(P, at("endplate_distance_mm"));
    if (has("endplate_scatter_sd_mm")) m.endplate_scatter_sd_mm = nt::value(P, at("endplate_scatter_sd_mm"));
    if (has("terminal_delay_sd_ms")) m.terminal_delay_sd_ms = nt::value(P, at("terminal_delay_sd_ms"));
    if (has("reinnervation_factor")) m.reinnervation_factor = nt::interval(P, at("reinnervation_factor"));
    if (has("adopted_cluster_sd_mm")) m.adopted_cluster_sd_mm = nt::value(P, at("adopted_cluster_sd_mm"));
    if (has("sprout_delay_mean_ms")) m.sprout_delay_mean_ms = nt::value(P, at("sprout_delay_mean_ms"));
    if (has("fibre_loss_fraction")) m.fibre_loss_fraction = nt::interval(P, at("fibre_loss_fraction"));
}

double truncated_normal(Random& random, double mean, double sd, Interval limits) {
    for (int i = 0; i < 64; ++i) {
        const double x = random.normal(mean, sd);
        if (limits.contains(x)) return x;
    }
    return std::clamp(mean, limits.min, limits.max);
}

}  // namespace

MotorUnitModel MotorUnitModel::from_table(MuapClass muap_class) {
    MotorUnitModel m;
    read_section(m, "/motor_unit/normal");
    if (muap_class != MuapClass::normal) read_section(m, "/motor_unit/" + std::string(to_string(muap_class)));
    m.muap_class = muap_class;
    m.needle = ConcentricNeedle::from_table();
    return m;
}

void MotorUnitModel::validate() const {
    auto check = [](bool ok, const char* what) {
        if (!ok) throw std::invalid_argument(std::string("MotorUnitModel: ") + what);
    };
    check(fibre_count_median >= 1.0 && std::isfinite(fibre_count_median), "fibre_count_median must be >= 1");
    check(fibre_count_log_sd >= 0.0 && std::isfinite(fibre_count_log_sd), "fibre_count_log_sd must be >= 0");
    check(fibre_count_limits.valid() && fibre_count_limits.min >= 1.0, "fibre_count_limits must be a valid interval >= 1");
    check(territory_radius_mm.valid() && territory_radius_mm.min > 0.0, "territory_radius_mm must be a valid interval > 0");
    check(needle_position_fraction >= 0.0 && needle_position_fraction <= 1.0, "needle_position_fraction must be in [0, 1]");
    check(fibre_diameter_limits_um.valid() && fibre_diameter_limits_um.min > 0.0,
          "fibre_diameter_limits_um must be a valid interval > 0");
    check(fibre_diameter_limits_um.contains(fibre_diameter_mean_um), "fibre_diameter_mean_um must lie within its limits");
    check(fibre_diameter_sd_um >= 0.0, "fibre_diameter_sd_um must be >= 0");
    check(endplate_distance_mm.valid() && endplate_distance_mm.min >= 0.0, "endplate_distance_mm must be a valid interval >= 0");
    check(endplate_scatter_sd_mm >= 0.0, "endplate_scatter_sd_mm must be >= 0");
    check(terminal_delay_sd_ms >= 0.0, "terminal_delay_sd_ms must be >= 0");
    check(reinnervation_factor.valid() && reinnervation_factor.min >= 1.0, "reinnervation_factor must be a valid interval >= 1");
    check(adopted_cluster_sd_mm >= 0.0, "adopted_cluster_sd_mm must be >= 0");
    check(sprout_delay_mean_ms >= 0.0, "sprout_delay_mean_ms must be >= 0");
    check(fibre_loss_fraction.valid() && fibre_loss_fraction.min >= 0.0 && fibre_loss_fraction.max < 1.0,
          "fibre_loss_fraction must be a valid interval in [0, 1)");
    needle.validate();
}

nlohmann::json MotorUnit::anatomy_json() const {
    double mean_d = 0.0;
    for (const auto& f : fibres) mean_d += f.diameter_um;
    if (!fibres.empty()) mean_d /= static_cast<double>(fibres.size());
    double nearest = std::numeric_limits<double>::infinity();
    for (const auto& f : fibres) nearest = std::min(nearest, std::hypot(f.x_mm, f.y_mm));
    return {{"fibres", fibres.size()},
            {"original_fibres", original_fibres},
            {"reinnervation_factor", reinnervation_factor},
            {"fibre_loss_fraction", fibre_loss_fraction},
            {"territory_radius_mm", territory_radius_mm},
            {"needle_offset_mm", needle_offset_mm},
            {"nearest_fibre_mm", fibres.empty() ? 0.0 : nearest},
            {"endplate_distance_mm", endplate_distance_mm},
            {"mean_fibre_diameter_um", mean_d}};
}

MotorUnit draw_motor_unit(const MotorUnitModel& model, Random& random) {
    model.validate();
    MotorUnit unit;
    unit.muap_class = model.muap_class;
    unit.needle = model.needle;
    unit.needle.shaft_angle_rad = random.uniform(0.0, 2.0 * std::numbers::pi);

    const double count = std::clamp(model.fibre_count_median * std::exp(model.fibre_count_log_sd * random.normal()),
                                    model.fibre_count_limits.min, model.fibre_count_limits.max);
    unit.original_fibres = static_cast<std::size_t>(std::lround(count));
    unit.territory_radius_mm = model.territory_radius_mm.draw(random);
    unit.reinnervation_factor = model.reinnervation_factor.draw(random);
    unit.fibre_loss_fraction = model.fibre_loss_fraction.draw(random);
    unit.endplate_distance_mm = model.endplate_distance_mm.draw(random);

    // Territory centre relative to the needle at the origin (uniform over a disc).
    const double R = unit.territory_radius_mm;
    unit.needle_offset_mm = model.needle_position_fraction * R * std::sqrt(random.uniform());
    const double offset_angle = random.uniform(0.0, 2.0 * std::numbers::pi);
    const double cx = unit.needle_offset_mm * std::cos(offset_angle);
    const double cy = unit.needle_offset_mm * std::sin(offset_angle);

    struct Placed {
        double x, y, extra_delay_ms;
    };
    std::vector<Placed> placed;
    placed.reserve(unit.original_fibres);
    for (std::size_t i = 0; i < unit.original_fibres; ++i) {
        const double rho = R * std::sqrt(random.uniform());
        const double phi = random.uniform(0.0, 2.0 * std::numbers::pi);
        placed.push_back({cx + rho * std::cos(phi), cy + rho * std::sin(phi), 0.0});
    }
    // Collateral reinnervation: each adopted fibre lies near one of the unit's
    // own fibres and is reached through a slow immature sprout.
    const auto adopted = static_cast<std::size_t>(
        std::lround(static_cast<double>(unit.original_fibres) * (unit.reinnervation_factor - 1.0)));
    for (std::size_t i = 0; i < adopted; ++i) {
        const auto parent = static_cast<std::size_t>(random.uniform() * static_cast<double>(unit.original_fibres));
        const auto& p = placed[std::min(parent, unit.original_fibres - 1)];
        const double delay = model.sprout_delay_mean_ms > 0.0 ? random.exponential(model.sprout_delay_mean_ms) : 0.0;
        placed.push_back({p.x + model.adopted_cluster_sd_mm * random.normal(),
                          p.y + model.adopted_cluster_sd_mm * random.normal(), delay});
    }

    const double L = unit.endplate_distance_mm;
    unit.fibres.reserve(placed.size());
    for (const auto& p : placed) {
        // Draw everything for every fibre, lost or not, so the loss fraction
        // does not reshuffle the others.
        const double lost_draw = random.uniform();
        const double d = truncated_normal(random, model.fibre_diameter_mean_um, model.fibre_diameter_sd_um,
                                          model.fibre_diameter_limits_um);
        const double path_mm = std::max(0.5, L + model.endplate_scatter_sd_mm * random.normal());
        const double terminal_ms = model.terminal_delay_sd_ms * random.normal();
        if (lost_draw < unit.fibre_loss_fraction) continue;
        MuscleFibre f;
        f.x_mm = p.x;
        f.y_mm = p.y;
        f.diameter_um = d;
        f.velocity_m_per_s = fibre_velocity_m_per_s(d);
        f.arrival_ms = path_mm / f.velocity_m_per_s + terminal_ms + p.extra_delay_ms;
        unit.fibres.push_back(f);
    }
    return unit;
}

PotentialTemplate render_muap(const MotorUnit& unit, double sample_rate_hz, int oversampling) {
    if (unit.fibres.empty()) throw std::invalid_argument("render_muap: the unit has no fibres");
    const double fine_rate = sample_rate_hz * oversampling;
    double t_begin = std::numeric_limits<double>::infinity();
    double t_end = -std::numeric_limits<double>::infinity();
    for (const auto& f : unit.fibres) {
        const auto [lo, hi] = fibre_potential_support_ms(f.velocity_m_per_s);
        t_begin = std::min(t_begin, f.arrival_ms + lo);
        t_end = std::max(t_end, f.arrival_ms + hi);
    }
    const auto n = static_cast<std::size_t>(std::ceil((t_end - t_begin) * fine_rate / 1000.0)) + 2;
    std::vector<double> fine(n, 0.0);
    for (const auto& f : unit.fibres) add_fibre_potential(fine, fine_rate, t_begin, f, unit.needle);
    return make_template(std::move(fine), sample_rate_hz, oversampling);
}

}  // namespace edx::sim
