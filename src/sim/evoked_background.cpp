#include "edx/sim/evoked_background.hpp"

#include <cmath>
#include <numbers>
#include <stdexcept>
#include <string>

#include "physiology_table.hpp"

namespace edx::sim {

namespace {
[[noreturn]] void fail(const std::string& what) { throw std::invalid_argument("background." + what); }
}  // namespace

EvokedBackground EvokedBackground::none() {
    EvokedBackground b;
    b.noise_rms_mv = 0.0;
    b.mains_amplitude_mv = 0.0;
    b.mains_harmonics = 0;
    b.wander_amplitude_mv = 0.0;
    return b;
}

void EvokedBackground::validate() const {
    if (snr_db && noise_rms_mv) fail("snr_db and background.noise_rms_mv are exclusive: give one");
    if (snr_db && !std::isfinite(*snr_db)) fail("snr_db must be finite");
    if (noise_rms_mv && !(*noise_rms_mv >= 0.0 && std::isfinite(*noise_rms_mv))) fail("noise_rms_mv must be >= 0");
    if (pink_fraction && !(*pink_fraction >= 0.0 && *pink_fraction <= 1.0)) fail("pink_fraction must be in [0, 1]");
    if (mains_hz != 50.0 && mains_hz != 60.0) fail("mains_hz must be 50 or 60");
    if (mains_amplitude_mv && !(*mains_amplitude_mv >= 0.0)) fail("mains_amplitude_mv must be >= 0");
    if (mains_harmonics && (*mains_harmonics < 0 || *mains_harmonics > 20)) fail("mains_harmonics must be in 0..20");
    if (harmonic_ratio && !(*harmonic_ratio >= 0.0 && *harmonic_ratio <= 1.0)) fail("harmonic_ratio must be in [0, 1]");
    if (wander_amplitude_mv && !(*wander_amplitude_mv >= 0.0)) fail("wander_amplitude_mv must be >= 0");
    if (wander_hz && !(*wander_hz > 0.0 && *wander_hz < 5.0)) fail("wander_hz must be in (0, 5)");
}

nlohmann::json ResolvedBackground::to_json() const {
    return {{"noise_rms_mv", spec.rms},
            {"snr_db", std::isnan(snr_db) ? nlohmann::json(nullptr) : nlohmann::json(snr_db)},
            {"snr_reference_peak_mv", reference_peak_mv},
            {"noise_level_from", level_from},
            {"pink_fraction", spec.pink_fraction},
            {"mains_hz", spec.mains_hz},
            {"mains_amplitude_mv", spec.mains_amplitude},
            {"mains_harmonics", spec.mains_harmonics},
            {"harmonic_ratio", spec.harmonic_ratio},
            {"mains_phase_rad", spec.mains_phase_rad},
            {"wander_amplitude_mv", spec.wander_amplitude},
            {"wander_hz", spec.wander_hz},
            {"wander_phase_rad", spec.wander_phase_rad}};
}

ResolvedBackground resolve_background(const EvokedBackground& b, RecordingKind kind, double reference_peak_mv,
                                      Random& random) {
    b.validate();
    const std::string_view path = "physiology/evoked_artefact_noise.json";
    std::string base = "/";
    base += to_string(kind);
    // Every candidate is drawn, given or not, so that setting one leaves the others unchanged.
    const double rms = detail::draw(path, base + "/noise_rms_mv", random);
    const double mains = detail::draw(path, base + "/mains_amplitude_mv", random);
    const double wander = detail::draw(path, base + "/wander_amplitude_mv", random);
    const double pink = detail::draw(path, "/noise/pink_fraction", random);
    const auto harmonics_range = detail::range(path, "/noise/mains_harmonics");
    const double harmonics =
        std::floor(harmonics_range.min + random.uniform() * (harmonics_range.max - harmonics_range.min + 1));
    const double ratio = detail::draw(path, "/noise/harmonic_ratio", random);
    const double wander_hz = detail::draw(path, "/noise/wander_hz", random);
    const double two_pi = 2.0 * std::numbers::pi;
    const double mains_phase = random.uniform(0.0, two_pi);
    const double wander_phase = random.uniform(0.0, two_pi);

    ResolvedBackground r;
    r.reference_peak_mv = reference_peak_mv > 0.0 ? reference_peak_mv : 0.0;
    if (b.snr_db) {
        if (!(reference_peak_mv > 0.0)) {
            fail("snr_db needs the reference component to be present; give background.noise_rms_mv instead");
        }
        r.spec.rms = reference_peak_mv / std::pow(10.0, *b.snr_db / 20.0);
        r.level_from = "snr_db";
    } else if (b.noise_rms_mv) {
        r.spec.rms = *b.noise_rms_mv;
        r.level_from = "noise_rms_mv";
    } else {
        r.spec.rms = rms;
        r.level_from = "drawn";
    }
    if (r.spec.rms > 0.0 && r.reference_peak_mv > 0.0) r.snr_db = 20.0 * std::log10(r.reference_peak_mv / r.spec.rms);
    r.spec.pink_fraction = detail::given_or(b.pink_fraction, pink);
    r.spec.mains_hz = b.mains_hz;
    r.spec.mains_amplitude = detail::given_or(b.mains_amplitude_mv, mains);
    r.spec.mains_harmonics = b.mains_harmonics ? *b.mains_harmonics : static_cast<int>(harmonics);
    r.spec.harmonic_ratio = detail::given_or(b.harmonic_ratio, ratio);
    r.spec.wander_amplitude = detail::given_or(b.wander_amplitude_mv, wander);
    r.spec.wander_hz = detail::given_or(b.wander_hz, wander_hz);
    r.spec.mains_phase_rad = mains_phase;
    r.spec.wander_phase_rad = wander_phase;
    return r;
}

double add_background(Recording& recording, const NoiseSpec& spec, Random& random) {
    if (recording.form != SampleForm::sweeps) {
        throw std::invalid_argument("add_background: recording '" + recording.info.name + "' is not in sweep form");
    }
    double sum_squares = 0.0;
    for (std::size_t s = 0; s < recording.sweep_count; ++s) {
        const double t0 = recording.stimuli[s].time_s - recording.pre_trigger_s;
        const auto realised = add_noise(recording.sweep(s), recording.info.sample_rate_hz, t0, spec, random);
        sum_squares += realised.rms * realised.rms;
    }
    return recording.sweep_count == 0 ? 0.0 : std::sqrt(sum_squares / static_cast<double>(recording.sweep_count));
}

}  // namespace edx::sim
