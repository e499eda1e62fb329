#include "edx/sim/needle_emg.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "edx/sim/muap_parameters.hpp"
#include "needle_emg_table.hpp"

namespace edx::sim {

namespace nt = needle_table;

RecruitmentPattern typical_recruitment(MuapClass muap_class) noexcept {
    switch (muap_class) {
        case MuapClass::normal: return RecruitmentPattern::normal;
        case MuapClass::neuropathic: return RecruitmentPattern::reduced;
        case MuapClass::myopathic: return RecruitmentPattern::early;
    }
    return RecruitmentPattern::normal;
}

void NeedleEmgSpec::validate() const {
    auto fail = [this](const std::string& what) {
        throw std::invalid_argument("NeedleEmgSpec '" + name + "': " + what);
    };
    if (name.empty() || name.find('/') != std::string::npos) fail("name must be non-empty and without '/'");
    if (muscle.empty()) fail("muscle is required");
    if (!side.empty() && side != "left" && side != "right") fail("side must be left, right or empty");
    if (sample_rate_hz && !(*sample_rate_hz >= 1000.0 && *sample_rate_hz <= 200000.0)) {
        fail("sample_rate_hz must be in [1000, 200000]");
    }
    if (oversampling && (*oversampling < 1 || *oversampling > 16)) fail("oversampling must be in [1, 16]");
    for (auto [value, field] : {std::pair{rest_s, "rest_s"}, {minimal_s, "minimal_s"}, {maximal_s, "maximal_s"}}) {
        if (!(value >= 0.0) || !std::isfinite(value) || value > 600.0) fail(std::string(field) + " must be in [0, 600]");
    }
    if (!(rest_s + minimal_s + maximal_s > 0.0)) fail("the recording needs a segment longer than 0 s");
    if (ramp_s && !(*ramp_s >= 0.0 && std::isfinite(*ramp_s))) fail("ramp_s must be >= 0");
    if (noise && (!(noise->rms >= 0.0) || !std::isfinite(noise->rms))) fail("noise.rms must be >= 0");
    try {
        spontaneous.validate();
    } catch (const std::invalid_argument& e) {
        fail(e.what());
    }
    if (unit_model) {
        if (unit_model->muap_class != muap_class) fail("unit_model.muap_class must equal muap_class");
        try {
            unit_model->validate();
        } catch (const std::invalid_argument& e) {
            fail(e.what());
        }
    }
    if (recruitment_model) {
        if (recruitment_model->pattern != recruitment.value_or(typical_recruitment(muap_class))) {
            fail("recruitment_model.pattern must equal the recruitment pattern");
        }
        try {
            recruitment_model->validate();
        } catch (const std::invalid_argument& e) {
            fail(e.what());
        }
    }
    if (spontaneous.grade > 0 && rest_s < grade_persistence_s()) {
        fail("a spontaneous grade above 0 needs rest_s >= " + std::to_string(grade_persistence_s()) +
             " s (trains count when they persist that long at rest)");
    }
}

namespace {

struct Source {
    std::string id;
    std::string discharge_class;  // "muap" or a SpontaneousClass
    PotentialTemplate shape;
    MuapParameters parameters;
    std::vector<double> times_s;
};

double mean_of(const std::vector<double>& x) {
    double s = 0.0;
    for (double v : x) s += v;
    return x.empty() ? 0.0 : s / static_cast<double>(x.size());
}

// Count, mean rate and ISI CV of the discharges within [from, to).
nlohmann::json firing_stats(const std::vector<double>& times, double from, double to) {
    std::vector<double> in;
    for (double t : times) {
        if (t >= from && t < to) in.push_back(t);
    }
    nlohmann::json j = {{"from_s", from}, {"to_s", to}, {"count", in.size()}};
    if (in.size() >= 3) {
        std::vector<double> isi;
        for (std::size_t i = 1; i < in.size(); ++i) isi.push_back(in[i] - in[i - 1]);
        const double m = mean_of(isi);
        double ss = 0.0;
        for (double d : isi) ss += (d - m) * (d - m);
        j["mean_rate_hz"] = 1.0 / m;
        j["isi_cv"] = std::sqrt(ss / static_cast<double>(isi.size() - 1)) / m;
    }
    return j;
}

nlohmann::json template_json(const PotentialTemplate& t) {
    return {{"sample_rate_hz", t.fine_rate_hz()}, {"reference_index", t.reference_index}, {"samples_uv", t.samples_uv}};
}

}  // namespace

SimulatedRecording simulate_needle_emg(const NeedleEmgSpec& spec, std::uint64_t seed) {
    spec.validate();
    const auto P = nt::physiology;
    const double fs = spec.sample_rate_hz.value_or(nt::value(P, "/recording/sample_rate_hz"));
    const int os = spec.oversampling.value_or(static_cast<int>(std::lround(nt::value(P, "/recording/oversampling"))));
    NoiseSpec noise_spec;
    if (spec.noise) {
        noise_spec = *spec.noise;
    } else {
        noise_spec.rms = nt::value(P, "/recording/noise_rms_uv");
        noise_spec.pink_fraction = nt::value(P, "/recording/pink_fraction");
    }
    const double ramp_s = spec.ramp_s.value_or(nt::value(P, "/recruitment/ramp_s"));
    const double maximal_ramp_s = nt::value(P, "/recruitment/maximal_ramp_s");
    const auto criteria = MuapCriteria::from_table();
    const double polarity = spec.invert_polarity ? -1.0 : 1.0;
    auto stream = [&](const std::string& part) { return Random::stream(seed, spec.name + "/" + part); };

    const double t_minimal = spec.rest_s;
    const double t_maximal = spec.rest_s + spec.minimal_s;
    const double duration_s = t_maximal + spec.maximal_s;
    const auto frames = static_cast<std::size_t>(std::llround(duration_s * fs));
    if (frames == 0) throw std::invalid_argument("NeedleEmgSpec '" + spec.name + "': shorter than one sample");

    std::vector<Source> sources;
    auto finish_source = [&](Source& s) {
        if (polarity < 0.0) {
            for (auto& v : s.shape.samples_uv) v = -v;
        }
        s.parameters = measure_muap(s.shape.samples_uv, s.shape.fine_rate_hz(), criteria);
    };

    // Voluntary activity: the pool, the excitation over time, each unit's discharges.
    const RecruitmentPattern pattern = spec.recruitment.value_or(typical_recruitment(spec.muap_class));
    const auto recruitment_model = spec.recruitment_model.value_or(RecruitmentModel::from_table(pattern));
    Random pool_random = stream("pool");
    const MotorPool pool = draw_motor_pool(recruitment_model, pool_random);
    const double minimal_fastest = recruitment_model.minimal_fastest_rate_hz.draw(pool_random);
    const double e_minimal = pool.excitation_for_first_rate(minimal_fastest);
    double e_maximal = 0.0;
    for (const auto& u : pool.units) e_maximal = std::max(e_maximal, u.threshold_hz + u.max_rate_hz - u.onset_rate_hz);

    Excitation excitation;
    if (spec.minimal_s > 0.0) {
        // A linear rise to the hold (a step when ramp_s is 0), then the hold.
        const double rise = std::min(ramp_s, spec.minimal_s);
        const double reached = ramp_s > 0.0 ? e_minimal * rise / ramp_s : e_minimal;
        if (rise > 0.0) {
            excitation.points.emplace_back(t_minimal, 0.0);
            excitation.points.emplace_back(t_minimal + rise, reached);
        } else {
            excitation.points.emplace_back(t_minimal, reached);
        }
        if (t_maximal > excitation.points.back().first) excitation.points.emplace_back(t_maximal, reached);
    }
    if (spec.maximal_s > 0.0) {
        if (excitation.points.empty()) excitation.points.emplace_back(t_maximal, 0.0);
        const double rise = std::min(maximal_ramp_s, spec.maximal_s);
        excitation.points.emplace_back(t_maximal + std::max(rise, 1e-6), e_maximal);
        if (duration_s > t_maximal + rise) excitation.points.emplace_back(duration_s, e_maximal);
    }

    const auto unit_model = spec.unit_model.value_or(MotorUnitModel::from_table(spec.muap_class));
    nlohmann::json units_truth = nlohmann::json::array();
    for (std::size_t k = 0; k < pool.units.size(); ++k) {
        const auto& drive = pool.units[k];
        Random firing_random = stream("firing/" + std::to_string(k));
        auto times = discharge_times(drive, excitation, 0.0, duration_s, firing_random);
        if (times.empty()) continue;
        Random anatomy_random = stream("unit/" + std::to_string(k));
        const MotorUnit unit = draw_motor_unit(unit_model, anatomy_random);
        Source s;
        s.id = "mu" + std::to_string(k + 1);
        s.discharge_class = "muap";
        s.shape = render_muap(unit, fs, os);
        for (double t : times) {
            const double q = s.shape.quantise(t);
            if (q < duration_s && (s.times_s.empty() || q > s.times_s.back())) s.times_s.push_back(q);
        }
        finish_source(s);
        nlohmann::json u = {{"id", s.id},
                            {"muap_class", to_string(spec.muap_class)},
                            {"recruitment_order", k + 1},
                            {"threshold_hz", drive.threshold_hz},
                            {"onset_rate_hz", drive.onset_rate_hz},
                            {"max_rate_hz", drive.max_rate_hz},
                            {"isi_cv", drive.isi_cv},
                            {"first_discharge_s", s.times_s.front()},
                            {"discharge_count", s.times_s.size()},
                            {"parameters", to_json(s.parameters)},
                            {"polyphasic", s.parameters.polyphasic(criteria)},
                            {"anatomy", unit.anatomy_json()}};
        if (spec.minimal_s > 0.0) {
            const double hold_from = t_minimal + std::min(ramp_s, spec.minimal_s);
            auto hold = firing_stats(s.times_s, hold_from, t_maximal);
            hold["expected_rate_hz"] = drive.rate_hz(e_minimal);
            u["minimal_hold"] = hold;
        }
        if (spec.maximal_s > 0.0) {
            auto m = firing_stats(s.times_s, t_maximal + std::min(maximal_ramp_s, spec.maximal_s), duration_s);
            m["expected_rate_hz"] = drive.rate_hz(e_maximal);
            u["maximal_hold"] = m;
        }
        if (spec.truth_templates) u["template"] = template_json(s.shape);
        units_truth.push_back(u);
        sources.push_back(std::move(s));
    }

    // Spontaneous activity.
    const auto ranges = SpontaneousRanges::from_table();
    Random spont_random = stream("spontaneous");
    const double spont_end = spec.spontaneous_during_contraction ? duration_s : spec.rest_s;
    auto train_specs = draw_spontaneous_trains(spec.spontaneous, ranges, 0.0, spont_end, spont_random);
    nlohmann::json trains_truth = nlohmann::json::array();
    int graded_trains = 0;
    const double persistence = grade_persistence_s();
    for (std::size_t i = 0; i < train_specs.size(); ++i) {
        auto ts = train_specs[i];
        if (!(ts.stop_s > ts.start_s)) {
            throw std::invalid_argument("NeedleEmgSpec '" + spec.name + "': spontaneous train " + std::to_string(i + 1) +
                                        " lies outside the recording");
        }
        const bool drawn = i < train_specs.size() - spec.spontaneous.trains.size();
        // Drawn fasciculating units are units of this muscle, so they look like its units.
        if (drawn && ts.kind == SpontaneousClass::fasciculation) ts.fasciculation_class = spec.muap_class;
        Random train_random = stream("train/" + std::to_string(i + 1));
        SpontaneousTrain train = realise_train(ts, fs, os, train_random);
        Source s;
        s.id = "sp" + std::to_string(i + 1);
        s.discharge_class = std::string(to_string(train.spec.kind));
        s.shape = std::move(train.shape);
        s.times_s = std::move(train.times_s);
        finish_source(s);
        // Counted for the grade when it fires at rest for longer than the persistence time.
        const double rest_overlap = std::min(train.spec.stop_s, spec.rest_s) - train.spec.start_s;
        const bool graded = is_denervation_potential(train.spec.kind) && rest_overlap > persistence &&
                            !s.times_s.empty() && s.times_s.front() < spec.rest_s;
        graded_trains += graded ? 1 : 0;
        const auto& t = train.spec;
        nlohmann::json j = {{"id", s.id},
                            {"class", s.discharge_class},
                            {"amplitude_uv", s.parameters.amplitude_uv},
                            {"rate_hz", t.rate_hz},
                            {"start_s", t.start_s},
                            {"stop_s", t.stop_s},
                            {"discharge_count", s.times_s.size()},
                            {"graded", graded},
                            {"parameters", to_json(s.parameters)},
                            {"shape", train.shape_truth}};
        if (t.kind != SpontaneousClass::fasciculation) {
            j["final_rate_hz"] = t.rate_hz * t.final_rate_ratio;
            j["isi_cv"] = t.isi_cv;
        }
        if (t.kind == SpontaneousClass::fasciculation) j["muap_class"] = to_string(t.fasciculation_class);
        if (spec.truth_templates) j["template"] = template_json(s.shape);
        trains_truth.push_back(j);
        sources.push_back(std::move(s));
    }

    // The signal: every discharge of every source, then the noise.
    Recording rec;
    rec.info.name = spec.name;
    rec.info.kind = RecordingKind::needle_emg;
    rec.info.sample_rate_hz = fs;
    rec.info.units = canonical_units(RecordingKind::needle_emg);
    rec.info.muscle = spec.muscle;
    rec.info.side = spec.side;
    rec.form = SampleForm::continuous;
    rec.channels = 1;
    rec.frames = frames;
    rec.samples.assign(frames, 0.0f);

    struct Discharge {
        double time_s;
        std::size_t source;
        double from_s, to_s;
    };
    std::vector<Discharge> discharges;
    for (std::size_t i = 0; i < sources.size(); ++i) {
        const auto& s = sources[i];
        for (double t : s.times_s) {
            s.shape.add_to(rec.samples, t);
            discharges.push_back({t, i, t + s.parameters.onset_ms / 1000.0, t + s.parameters.offset_ms / 1000.0});
        }
    }
    Random noise_random = stream("noise");
    const auto realised = add_noise(rec.samples, fs, 0.0, noise_spec, noise_random);

    std::vector<std::pair<double, std::string>> segments;
    if (spec.rest_s > 0.0) segments.emplace_back(0.0, "rest");
    if (spec.minimal_s > 0.0) segments.emplace_back(t_minimal, "minimal");
    if (spec.maximal_s > 0.0) segments.emplace_back(t_maximal, "maximal");
    nlohmann::json segments_truth = nlohmann::json::array();
    for (std::size_t i = 0; i < segments.size(); ++i) {
        rec.markers.push_back({segments[i].first, "contraction=" + segments[i].second});
        const double end = i + 1 < segments.size() ? segments[i + 1].first : duration_s;
        segments_truth.push_back({{"contraction", segments[i].second}, {"start_s", segments[i].first}, {"end_s", end}});
    }
    rec.check_consistent();

    // Every discharge, in time order, flagged when another one's waveform
    // (between its level crossings) overlaps it.
    std::sort(discharges.begin(), discharges.end(), [](const Discharge& a, const Discharge& b) {
        return a.from_s < b.from_s || (a.from_s == b.from_s && a.time_s < b.time_s);
    });
    std::vector<bool> overlapped(discharges.size(), false);
    double running_end = -1e300;
    for (std::size_t i = 0; i < discharges.size(); ++i) {
        if (running_end > discharges[i].from_s) overlapped[i] = true;
        if (i + 1 < discharges.size() && discharges[i + 1].from_s < discharges[i].to_s) overlapped[i] = true;
        running_end = std::max(running_end, discharges[i].to_s);
    }
    std::vector<std::size_t> order(discharges.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        return discharges[a].time_s < discharges[b].time_s ||
               (discharges[a].time_s == discharges[b].time_s && discharges[a].source < discharges[b].source);
    });
    nlohmann::json discharges_truth = nlohmann::json::array();
    for (std::size_t i : order) {
        const auto& d = discharges[i];
        const auto& s = sources[d.source];
        std::string contraction = "rest";
        for (const auto& [start, label] : segments) {
            if (d.time_s >= start) contraction = label;
        }
        discharges_truth.push_back({{"time_s", d.time_s},
                                    {"class", s.discharge_class},
                                    {"source", s.id},
                                    {"peak_uv", s.parameters.peak_uv},
                                    {"amplitude_uv", s.parameters.amplitude_uv},
                                    {"contraction", contraction},
                                    {"overlapped", overlapped[i]}});
    }

    nlohmann::json recruitment_truth = {{"pattern", to_string(pattern)},
                                        {"pool_units", pool.units.size()},
                                        {"recruitment_frequency_hz", pool.recruitment_frequency_hz}};
    if (spec.minimal_s > 0.0) {
        const int active = pool.active_units(e_minimal);
        const double fastest = pool.units.front().rate_hz(e_minimal);
        recruitment_truth["minimal"] = {{"excitation_hz", e_minimal},
                                        {"ramp_s", std::min(ramp_s, spec.minimal_s)},
                                        {"active_units", active},
                                        {"fastest_rate_hz", fastest},
                                        {"recruitment_ratio", fastest / active}};
    }
    if (spec.maximal_s > 0.0) {
        recruitment_truth["maximal"] = {{"excitation_hz", e_maximal}, {"active_units", pool.active_units(e_maximal)}};
    }

    const int grade = grade_for_trains(graded_trains);
    SimulatedRecording out;
    out.truth = {
        {"generator", "edx::sim::simulate_needle_emg"},
        {"seed", seed},
        {"name", spec.name},
        {"kind", "needle_emg"},
        {"muscle", spec.muscle},
        {"side", spec.side},
        {"sample_rate_hz", fs},
        {"time_resolution_s", 1.0 / (fs * os)},
        {"duration_s", static_cast<double>(frames) / fs},
        {"polarity", spec.invert_polarity ? "inverted (negative values up)" : "active minus reference"},
        {"segments", segments_truth},
        {"noise",
         {{"rms_uv", noise_spec.rms},
          {"realised_rms_uv", realised.rms},
          {"pink_fraction", noise_spec.pink_fraction},
          {"mains_hz", noise_spec.mains_hz},
          {"mains_amplitude_uv", noise_spec.mains_amplitude},
          {"wander_amplitude_uv", noise_spec.wander_amplitude}}},
        {"measurement",
         {{"table", "signals/" + std::string(nt::muap_norms)},
          {"level_uv", criteria.level_uv},
          {"turn_uv", criteria.turn_uv},
          {"max_normal_phases", criteria.max_normal_phases},
          {"on", "each waveform at sample_rate_hz * oversampling, noiseless"}}},
        {"muscle_state",
         {{"muap_class", to_string(spec.muap_class)},
          {"recruitment", to_string(pattern)},
          {"spontaneous_grade", grade},
          {"spontaneous_grade_label", spontaneous_grades()[static_cast<std::size_t>(grade)].label}}},
        {"spontaneous",
         {{"requested_grade", spec.spontaneous.grade},
          {"grade", grade},
          {"graded_trains", graded_trains},
          {"grade_table", "signals/" + std::string(nt::grades)},
          {"lesion_age_months", spec.spontaneous.lesion_age_months ? nlohmann::json(*spec.spontaneous.lesion_age_months)
                                                                   : nlohmann::json(nullptr)},
          {"during_contraction", spec.spontaneous_during_contraction},
          {"trains", trains_truth}}},
        {"recruitment", recruitment_truth},
        {"motor_units", units_truth},
        {"discharges", discharges_truth}};
    out.recording = std::move(rec);
    return out;
}

}  // namespace edx::sim
