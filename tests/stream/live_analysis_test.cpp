// What the worker measures, driven directly (no threads): the bound on the
// H-reflex basis, one measurement serving the sweeps that arrived together,
// F-wave and NCS sweeps measured on their prefix as offline, spontaneous
// activity read at rest only, and what the results file keeps.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "edx/evoked/h_reflex.hpp"
#include "edx/evoked/f_wave.hpp"
#include "edx/evoked/ncs.hpp"
#include "edx/sim/f_wave_sim.hpp"
#include "edx/sim/ncs_sim.hpp"
#include "edx/sim/needle_emg.hpp"
#include "edx/stream/live_analysis.hpp"
#include "stream/stream_test_support.hpp"

using namespace edx;
using namespace edx::stream;
using edx::test::json;

namespace {

SessionHeader header_for(const Recording& rec) {
    json h = {{"edx_stream", 1},
              {"sample_rate_hz", rec.info.sample_rate_hz},
              {"sample_type", "float32"},
              {"channels", json::array({{{"name", rec.info.name}, {"kind", std::string(to_string(rec.info.kind))},
                                         {"units", "mV"}, {"muscle", rec.info.muscle}, {"side", rec.info.side}}})},
              {"sweep", {{"pre_trigger_s", rec.pre_trigger_s},
                         {"post_trigger_s", static_cast<double>(rec.frames) / rec.info.sample_rate_hz - rec.pre_trigger_s}}}};
    if (rec.info.subject.age_years) h["channels"][0]["subject_age_years"] = *rec.info.subject.age_years;
    if (rec.info.subject.height_cm) h["channels"][0]["subject_height_cm"] = *rec.info.subject.height_cm;
    if (rec.info.subject.leg_length_cm) h["channels"][0]["leg_length_cm"] = *rec.info.subject.leg_length_cm;
    return parse_session_header(h.dump(), "test");
}

std::vector<json> drain(EventQueue& q) {
    std::vector<json> out;
    std::string line;
    while (q.try_pop(line)) out.push_back(json::parse(line));
    return out;
}

std::uint64_t stimulus_index(const Recording& rec, std::size_t k) { return k * rec.frames + static_cast<std::uint64_t>(std::lround(rec.pre_trigger_s * rec.info.sample_rate_hz)); }

}  // namespace

TEST_CASE("beyond max_prefix_sweeps a sweep is measured on the last ones, and says so", "[stream][live]") {
    const Study study = test::fair_study(0.0, 5, 10000.0, 7);
    const Recording& rec = study.recordings.front();
    EventQueue q(10000);
    LiveAnalysisOptions o;
    o.max_prefix_sweeps = 8;
    LiveAnalysis live(header_for(rec), o, q);
    for (std::size_t k = 0; k < rec.sweep_count; ++k) {
        live.add_sweep(stimulus_index(rec, k), rec.stimuli[k].intensity_ma, false, false, rec.sweep(k).data());
        live.measure_pending();
    }
    const auto events = drain(q);
    std::size_t checked = 0;
    for (const auto& e : events) {
        if (e["type"] != "sweep") continue;
        const std::size_t k = e["sweep_index"];
        const std::size_t first = k + 1 > 8 ? k + 1 - 8 : 0;
        REQUIRE(e["measured_with"]["first_sweep"] == first);
        REQUIRE(e["measured_with"]["sweeps"] == k + 1 - first);
        if (k < 12) continue;
        Recording slice = rec;
        slice.sweep_count = k + 1 - first;
        slice.samples.assign(rec.samples.begin() + static_cast<std::ptrdiff_t>(first * rec.frames),
                             rec.samples.begin() + static_cast<std::ptrdiff_t>((k + 1) * rec.frames));
        slice.stimuli.assign(rec.stimuli.begin() + static_cast<std::ptrdiff_t>(first),
                             rec.stimuli.begin() + static_cast<std::ptrdiff_t>(k + 1));
        // The session was given no markers: neither is the offline slice (the
        // limb positions they set group the sweeps whose shifts are shrunk together).
        slice.markers.clear();
        const auto offline = evoked::measure_h_reflex(slice, study.measures_for(rec));
        const auto& m = offline.sweeps.back();
        if (m.h_onset_ms) {
            CHECK(std::abs(e["h_latency_ms"].get<double>() - *m.h_onset_ms) <= 1e-6);
        } else {
            CHECK(e["h_latency_ms"].is_null());
        }
        ++checked;
    }
    CHECK(checked == rec.sweep_count - 12);
}

TEST_CASE("sweeps that arrive before the worker measures share one measurement of all of them", "[stream][live]") {
    const Study study = test::fair_study(0.0, 6, 10000.0, 3);
    const Recording& rec = study.recordings.front();
    EventQueue q(1000);
    LiveAnalysis live(header_for(rec), {}, q);
    for (std::size_t k = 0; k < 5; ++k) live.add_sweep(stimulus_index(rec, k), rec.stimuli[k].intensity_ma, false, false, rec.sweep(k).data());
    CHECK(live.has_pending());
    live.measure_pending();
    CHECK(!live.has_pending());
    const auto events = drain(q);
    std::size_t sweeps = 0;
    for (const auto& e : events) {
        if (e["type"] != "sweep") continue;
        CHECK(e["measured_with"]["sweeps"] == 5);
        ++sweeps;
    }
    CHECK(sweeps == 5);
}

TEST_CASE("spontaneous activity is read at rest only, in windows, with events for what it finds", "[stream][live]") {
    sim::NeedleEmgSpec spec;
    spec.name = "ta";
    spec.rest_s = 12.0;
    spec.minimal_s = 6.0;
    spec.spontaneous.grade = 3;
    const auto sim_rec = sim::simulate_needle_emg(spec, 21).recording;
    const double rate = sim_rec.info.sample_rate_hz;
    json h = {{"edx_stream", 1}, {"sample_rate_hz", rate}, {"sample_type", "float32"},
              {"channels", json::array({{{"name", "ta"}, {"kind", "needle_emg"}, {"units", "uV"}, {"muscle", "tibialis_anterior"}}})}};
    EventQueue q(100000);
    LiveAnalysisOptions o;
    o.keep_samples = true;
    LiveAnalysis live(parse_session_header(h.dump(), "test"), o, q);
    std::uint64_t minimal_at = 0;
    for (const auto& m : sim_rec.markers) {
        live.add_marker(static_cast<std::uint64_t>(std::llround(m.time_s * rate)), m.label);
        if (m.label == "contraction=minimal") minimal_at = static_cast<std::uint64_t>(std::llround(m.time_s * rate));
    }
    REQUIRE(minimal_at > 0);
    const std::size_t block = 512;
    for (std::size_t f = 0; f < sim_rec.frames; f += block) {
        live.add_block(f, std::min(block, sim_rec.frames - f), sim_rec.samples.data() + f);
    }
    const auto results = live.finish(SessionEnd::end, {}, nullptr, true);
    const auto events = drain(q);
    std::size_t spontaneous = 0;
    for (const auto& e : events) {
        if (e["type"] != "spontaneous") continue;
        ++spontaneous;
        CHECK(e["channel"] == "ta");
        CHECK(e["t"].get<double>() < static_cast<double>(minimal_at) / rate);  // nothing from the contraction
        const std::string c = e["class"];
        CHECK((c == "fibrillation" || c == "positive_sharp_wave" || c == "fasciculation" ||
               c == "complex_repetitive_discharge"));
    }
    CHECK(spontaneous > 10);  // grade 3: several persistent trains over 12 s
    const json& s = results.summary["results"]["spontaneous"][0];
    CHECK(s["rest_s_analysed"].get<double>() == Approx(static_cast<double>(minimal_at) / rate).margin(1.0 / rate));
    CHECK(s["windows"] == 3);  // 5 s + 5 s + 2 s
    CHECK(s["max_window_grade"].get<int>() >= 1);
    // The results file keeps the continuous samples as they came.
    REQUIRE(results.study);
    const Recording& kept = results.study->recordings.front();
    CHECK(kept.form == SampleForm::continuous);
    CHECK(kept.frames == sim_rec.frames);
    CHECK(kept.samples == sim_rec.samples);
    CHECK(kept.markers.size() == sim_rec.markers.size());
}

TEST_CASE("F-wave sweeps are measured live on their prefix, as measure_f_wave measures it", "[stream][live]") {
    sim::FWaveConfig c;
    c.stimuli = 16;
    const Recording rec = sim::simulate_f_wave(c, 31).recording;
    EventQueue q(1000);
    LiveAnalysis live(header_for(rec), {}, q);
    std::size_t compared = 0, with_f = 0;
    for (std::size_t k = 0; k < rec.sweep_count; ++k) {
        live.add_sweep(stimulus_index(rec, k), rec.stimuli[k].intensity_ma, false, false, rec.sweep(k).data());
        live.measure_pending();
        const auto events = drain(q);
        REQUIRE(events.size() == 1);
        const json& e = events[0];
        CHECK(e["kind"] == "f_wave");
        CHECK(e["measured_with"]["sweeps"] == k + 1);
        Recording p = rec;
        p.sweep_count = k + 1;
        p.samples.resize((k + 1) * rec.frames);
        p.stimuli.resize(k + 1);
        std::optional<evoked::FWaveResult> offline;
        try {
            offline = evoked::measure_f_wave(p);
        } catch (const std::invalid_argument&) {
        }
        if (!offline) {
            CHECK(e.contains("error"));
            continue;
        }
        const auto& m = offline->sweeps[k];
        CHECK(e["excluded"] == m.excluded);
        if (m.f_latency_ms) {
            CHECK(std::abs(e["f_latency_ms"].get<double>() - *m.f_latency_ms) <= 1e-6);
            ++with_f;
        } else {
            CHECK(e["f_latency_ms"].is_null());
        }
        ++compared;
    }
    CHECK(compared >= rec.sweep_count / 2);
    CHECK(with_f >= 3);
    const auto results = live.finish(SessionEnd::end, {}, nullptr, false);
    const auto whole = evoked::measure_f_wave(rec);
    const json& f = results.summary["results"]["f_wave"][0];
    CHECK(f["f_count"] == whole.f_count);
    if (whole.f_min_latency_ms) CHECK(std::abs(f["f_min_latency_ms"].get<double>() - *whole.f_min_latency_ms) <= 1e-6);
    CHECK(f["sweeps"].size() == rec.sweep_count);
}

TEST_CASE("NCS sweeps carry the measurement of the aligned response of their basis", "[stream][live]") {
    sim::MotorNcsConfig c;
    c.sweeps_per_site = 4;
    const Recording rec = sim::simulate_motor_ncs(c, 41).front().recording;
    EventQueue q(1000);
    LiveAnalysis live(header_for(rec), {}, q);
    for (std::size_t k = 0; k < rec.sweep_count; ++k) {
        live.add_sweep(stimulus_index(rec, k), rec.stimuli[k].intensity_ma, false, false, rec.sweep(k).data());
        live.measure_pending();
    }
    const auto events = drain(q);
    REQUIRE(events.size() == rec.sweep_count);
    const json& last = events.back();
    CHECK(last["kind"] == "motor_ncs");
    CHECK(last["measured_with"]["sweeps"] == rec.sweep_count);
    const auto offline = evoked::measure_ncs(rec);
    REQUIRE(offline.onset_latency_ms);
    CHECK(std::abs(last["onset_latency_ms"].get<double>() - *offline.onset_latency_ms) <= 1e-6);
    CHECK(std::abs(last["amplitude_mv"].get<double>() - *offline.amplitude_mv) <= 1e-9);
    const auto results = live.finish(SessionEnd::end, {}, nullptr, true);
    CHECK(std::abs(results.summary["results"]["ncs"][0]["onset_latency_ms"].get<double>() - *offline.onset_latency_ms) <= 1e-6);
    REQUIRE(results.study);
    CHECK(results.study->recordings.front().sweep_count == rec.sweep_count);
}

TEST_CASE("position markers give position events, FAIR is estimated only once a FAIR marker came", "[stream][live]") {
    const Study study = test::fair_study(2.5, 8, 10000.0, 6);
    const Recording& rec = study.recordings.front();
    EventQueue q(10000);
    LiveAnalysis live(header_for(rec), {}, q);
    // Markers at the sweep they precede (the replay mapping).
    std::size_t next_marker = 0;
    for (std::size_t k = 0; k < rec.sweep_count; ++k) {
        while (next_marker < rec.markers.size() && rec.markers[next_marker].time_s <= rec.stimuli[k].time_s) {
            live.add_marker(k * rec.frames, rec.markers[next_marker++].label);
        }
        live.add_sweep(stimulus_index(rec, k), rec.stimuli[k].intensity_ma, false, false, rec.sweep(k).data());
        live.measure_pending();
    }
    const auto events = drain(q);
    std::size_t positions = 0, fair_before_marker = 0, fair = 0;
    bool fair_seen = false;
    for (const auto& e : events) {
        if (e["type"] == "position") {
            ++positions;
            fair_seen = fair_seen || e["position"] == "fair";
        }
        if (e["type"] == "fair_delay") {
            ++fair;
            if (!fair_seen) ++fair_before_marker;
            CHECK(e.dump().find("nan") == std::string::npos);
        }
    }
    CHECK(positions == 3);
    CHECK(fair_before_marker == 0);
    CHECK(fair >= 6);  // one per measurement from the FAIR marker on
}
