#include "edx/sim/f_wave_sim.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "evoked_recording.hpp"
#include "motor_norms.hpp"
#include "physiology_table.hpp"

namespace edx::sim {

namespace {
constexpr std::string_view kTable = "physiology/f_wave.json";
constexpr std::string_view kSubject = "physiology/anthropometry.json";
}  // namespace

void FWaveConfig::validate() const {
    using detail::check_optional;
    if (name.empty() || name.find('/') != std::string::npos)
        throw std::invalid_argument("name must be non-empty, without '/'");
    if (nerve != "tibial" && nerve != "peroneal") throw std::invalid_argument("nerve must be tibial or peroneal");
    detail::check_acquisition(sample_rate_hz, sweep_s, pre_trigger_s, side);
    check_optional(age_years, "age_years", 1.0, 110.0);
    if (stimuli && (*stimuli < 1 || *stimuli > 10000)) throw std::invalid_argument("stimuli must be in 1..10000");
    check_optional(inter_stimulus_s, "inter_stimulus_s", sweep_s, 600.0);
    check_optional(pulse_width_ms, "pulse_width_ms", 0.05, 2.0);
    check_optional(intensity_ma, "intensity_ma", 0.01, 200.0);
    check_optional(m_latency_ms, "m_latency_ms", 1.0, 30.0);
    check_optional(m_amplitude_mv, "m_amplitude_mv", 0.0, 50.0);
    check_optional(m_duration_ms, "m_duration_ms", 2.0, 40.0);
    check_optional(f_min_latency_ms, "f_min_latency_ms", 10.0, 120.0);
    check_optional(f_latency_span_ms, "f_latency_span_ms", 0.0, 30.0);
    check_optional(persistence, "persistence", 0.0, 1.0);
    if (f_amplitude_mv && !(f_amplitude_mv->valid() && f_amplitude_mv->min > 0.0)) {
        throw std::invalid_argument("f_amplitude_mv must be an interval with 0 < min <= max");
    }
    if (f_duration_ms && !(f_duration_ms->valid() && f_duration_ms->min >= 1.0 && f_duration_ms->max <= 40.0)) {
        throw std::invalid_argument("f_duration_ms must be an interval within [1, 40] ms");
    }
    if (!(proximal_delay_ms >= -10.0 && proximal_delay_ms <= 40.0))
        throw std::invalid_argument("proximal_delay_ms must be in [-10, 40]");
    if (!(persistence_factor >= 0.0 && persistence_factor <= 1.0))
        throw std::invalid_argument("persistence_factor must be in [0, 1]");
    if (!(m_amplitude_factor >= 0.0 && m_amplitude_factor <= 3.0))
        throw std::invalid_argument("m_amplitude_factor must be in [0, 3]");
    background.validate();
    artefact.validate();
}

SimulatedRecording simulate_f_wave(const FWaveConfig& c, std::uint64_t seed) {
    using detail::draw;
    using detail::given_or;
    c.validate();
    const std::string nerve_base = "/" + c.nerve;
    Random p = Random::stream(seed, c.name + "/parameters");
    // Fixed order, every candidate drawn.
    const double age = given_or(c.age_years, draw(kSubject, "/age_years", p));
    const auto norms = detail::motor_norms(c.nerve, age);
    const double m_latency_drawn = norms.distal_latency_ms.draw_normal(p);
    const double m_amplitude_drawn = norms.amplitude_mv.draw_lognormal(p);
    const double m_duration_drawn = draw(detail::ncs_table, "/motor/common/duration_ms", p);
    const double intensity_drawn = draw(detail::ncs_table, "/motor/common/supramaximal_intensity_ma", p);
    const double f_min_drawn = draw(kTable, nerve_base + "/min_latency_ms", p);
    const double f_span_drawn = draw(kTable, nerve_base + "/chronodispersion_ms", p);
    const double persistence_drawn = draw(kTable, nerve_base + "/persistence", p);

    const int n = c.stimuli ? *c.stimuli : static_cast<int>(detail::value(kTable, "/protocol/stimuli"));
    const double isi = given_or(c.inter_stimulus_s, 1.0 / detail::value(kTable, "/protocol/stimulus_rate_hz"));
    const double pulse = given_or(c.pulse_width_ms, detail::value(kTable, "/protocol/pulse_width_ms"));
    const double intensity = given_or(c.intensity_ma, intensity_drawn);
    const double m_latency = given_or(c.m_latency_ms, m_latency_drawn);
    const double m_amplitude = given_or(c.m_amplitude_mv, m_amplitude_drawn) * c.m_amplitude_factor;
    const double m_duration = given_or(c.m_duration_ms, m_duration_drawn);
    const double m_cv = detail::value(detail::ncs_table, "/motor/common/amplitude_cv");
    const double f_min = given_or(c.f_min_latency_ms, f_min_drawn);
    const double f_span = given_or(c.f_latency_span_ms, f_span_drawn);
    const double persistence = c.f_present ? given_or(c.persistence, persistence_drawn) * c.persistence_factor : 0.0;
    const Interval f_amplitude = c.f_amplitude_mv ? *c.f_amplitude_mv : detail::range(kTable, "/f_wave/amplitude_mv");
    const Interval f_duration = c.f_duration_ms ? *c.f_duration_ms : detail::range(kTable, "/f_wave/duration_ms");

    const double post_ms = (c.sweep_s - c.pre_trigger_s) * 1000.0;
    const double latest_f_end = f_min + f_span + c.proximal_delay_ms + f_duration.max;
    if (c.f_present && latest_f_end > post_ms) {
        throw std::invalid_argument("sweep_s too short: an F-wave may end " + std::to_string(latest_f_end) +
                                    " ms after the stimulus, the sweep ends " + std::to_string(post_ms) +
                                    " ms after it");
    }

    Random shapes = Random::stream(seed, c.name + "/shapes");
    const WaveformShape m_shape = draw_shape(detail::shape_ranges(detail::ncs_table, "/motor/common"), shapes);
    const ShapeRanges f_ranges = detail::shape_ranges(kTable, "/f_wave");

    std::vector<Stimulus> stimuli;
    for (int i = 0; i < n; ++i) stimuli.push_back({1.0 + i * isi, intensity});
    RecordingInfo info;
    info.name = c.name;
    info.kind = RecordingKind::f_wave;
    info.sample_rate_hz = c.sample_rate_hz;
    info.units = Units::mV;
    info.muscle = norms.muscle;
    info.nerve = c.nerve;
    info.side = c.side;
    info.stim_site = norms.distal_site;
    info.distance_mm = norms.distal_distance_mm;
    info.subject.age_years = age;
    Recording out = detail::empty_sweep_recording(info, c.sweep_s, c.pre_trigger_s, stimuli);

    Random artefact_random = Random::stream(seed, c.name + "/artefact");
    const StimulusArtefact artefact = draw_artefact(c.artefact, RecordingKind::f_wave, pulse, artefact_random);
    const EvokedPotential m_unit(m_shape, m_latency, m_duration, 1.0);
    const double t0_ms = detail::first_sample_ms(out);
    Random sweep_random = Random::stream(seed, c.name + "/sweeps");
    nlohmann::json sweeps = nlohmann::json::array();
    std::vector<double> f_onsets, f_amplitudes;
    PotentialMeasures m_first;
    for (int i = 0; i < n; ++i) {
        // Same draws every sweep, present or not.
        const double z_m = detail::bounded(sweep_random.normal(), 3.0);
        const double u_present = sweep_random.uniform();
        const double u_latency = sweep_random.uniform();
        const double f_amp = sweep_random.uniform(f_amplitude.min, f_amplitude.max) * c.m_amplitude_factor;
        const double f_dur = sweep_random.uniform(f_duration.min, f_duration.max);
        const WaveformShape f_shape = draw_shape(f_ranges, shapes);
        auto sweep = out.sweep(static_cast<std::size_t>(i));

        const bool m_present = m_amplitude > 0.0;
        PotentialMeasures m;
        if (m_present) {
            const EvokedPotential pot = m_unit.scaled(m_amplitude * std::max(0.0, 1.0 + m_cv * z_m));
            pot.add_to(sweep, c.sample_rate_hz, t0_ms);
            m = pot.measures();
        }
        if (i == 0) m_first = m;
        const bool f_here = u_present < persistence && f_amp > 0.0;
        PotentialMeasures f;
        if (f_here) {
            const EvokedPotential pot(f_shape, f_min + f_span * u_latency + c.proximal_delay_ms, f_dur, f_amp);
            pot.add_to(sweep, c.sample_rate_hz, t0_ms);
            f = pot.measures();
            f_onsets.push_back(f.onset_ms);
            f_amplitudes.push_back(f.amplitude_mv);
        }
        artefact.add_to(sweep, c.sample_rate_hz, t0_ms);
        sweeps.push_back(
            {{"index", i},
             {"time_s", stimuli[static_cast<std::size_t>(i)].time_s},
             {"intensity_ma", intensity},
             {"m_present", m_present},
             {"m_onset_ms", detail::or_null(m_present, m.onset_ms)},
             {"m_amplitude_mv", m.amplitude_mv},
             {"m_peak_to_peak_mv", m.peak_to_peak_mv},
             {"f_present", f_here},
             {"f_onset_ms", detail::or_null(f_here, f.onset_ms)},
             {"f_negative_peak_ms", detail::or_null(f_here, f.negative_peak_ms)},
             {"f_amplitude_mv", f.amplitude_mv},
             {"f_peak_to_peak_mv", f.peak_to_peak_mv},
             {"f_duration_ms", f.duration_ms},
             {"f_phases", f_here ? f_shape.phases.size() : 0},
             {"f_initial_polarity",
              f_here ? (f_shape.initial_polarity() == Polarity::positive ? "positive" : "negative") : ""}});
    }

    // The SNR reference is the median F amplitude.
    std::vector<double> sorted = f_amplitudes;
    std::sort(sorted.begin(), sorted.end());
    const double reference = sorted.empty()      ? 0.0
                             : sorted.size() % 2 ? sorted[sorted.size() / 2]
                                                 : (sorted[sorted.size() / 2 - 1] + sorted[sorted.size() / 2]) / 2.0;
    Random background_random = Random::stream(seed, c.name + "/background");
    const ResolvedBackground background =
        resolve_background(c.background, RecordingKind::f_wave, reference, background_random);
    Random noise_random = Random::stream(seed, c.name + "/noise");
    const double realised_rms = add_background(out, background.spec, noise_random);
    out.check_consistent();

    nlohmann::json truth = detail::truth_header("edx.sim.f_wave", out, seed);
    truth["nerve"] = c.nerve;
    truth["muscle"] = norms.muscle;
    truth["subject"] = {{"age_years", age}};
    truth["protocol"] = {
        {"stimuli", n}, {"inter_stimulus_s", isi}, {"pulse_width_ms", pulse}, {"intensity_ma", intensity}};
    truth["m_wave"] = {{"onset_ms", m_latency},
                       {"amplitude_mv", m_amplitude},
                       {"duration_ms", m_duration},
                       {"amplitude_cv", m_cv},
                       {"potential", m_unit.scaled(m_amplitude).to_json()}};
    truth["f_pool"] = {
        {"min_latency_ms", f_min + c.proximal_delay_ms},
        {"latency_span_ms", f_span},
        {"persistence", persistence},
        {"amplitude_mv",
         {{"min", f_amplitude.min * c.m_amplitude_factor}, {"max", f_amplitude.max * c.m_amplitude_factor}}},
        {"duration_ms", {{"min", f_duration.min}, {"max", f_duration.max}}},
        {"model", "latency uniform in [min, min + span] per stimulus; shape, amplitude and duration drawn per F-wave"}};
    truth["lesion"] = {{"f_present", c.f_present},
                       {"proximal_delay_ms", c.proximal_delay_ms},
                       {"persistence_factor", c.persistence_factor},
                       {"m_amplitude_factor", c.m_amplitude_factor}};
    const bool any = !f_onsets.empty();
    double mean = 0.0;
    for (double v : f_onsets) mean += v;
    if (any) mean /= static_cast<double>(f_onsets.size());
    const double f_lo = any ? *std::min_element(f_onsets.begin(), f_onsets.end()) : 0.0;
    const double f_hi = any ? *std::max_element(f_onsets.begin(), f_onsets.end()) : 0.0;
    truth["f_waves"] = {
        {"count", f_onsets.size()},
        {"persistence", static_cast<double>(f_onsets.size()) / n},
        {"min_latency_ms", detail::or_null(any, f_lo)},
        {"mean_latency_ms", detail::or_null(any, mean)},
        {"max_latency_ms", detail::or_null(any, f_hi)},
        {"chronodispersion_ms", detail::or_null(any, f_hi - f_lo)},
        {"min_latency_minus_m_onset_ms", detail::or_null(any && m_first.amplitude_mv > 0.0, f_lo - m_latency)},
        {"median_amplitude_mv", detail::or_null(any, reference)}};
    truth["artefact"] = artefact.to_json();
    truth["noise"] = background.to_json();
    truth["noise"]["noise_rms_mv_realised"] = realised_rms;
    truth["noise"]["snr_reference"] = "median baseline-to-negative-peak F amplitude over the F-waves present";
    truth["sweeps"] = std::move(sweeps);
    return {std::move(out), std::move(truth)};
}

}  // namespace edx::sim
