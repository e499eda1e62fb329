#include <catch2/catch.hpp>

#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "edx/signals/table.hpp"
#include "edx/sim/muap_parameters.hpp"
#include "edx/sim/needle_emg.hpp"

using namespace edx::sim;
using nlohmann::json;

namespace {

NeedleEmgSpec short_spec() {
    NeedleEmgSpec s;
    s.name = "ta_left";
    s.muscle = "tibialis_anterior";
    s.side = "left";
    s.rest_s = 4.0;
    s.minimal_s = 6.0;
    s.ramp_s = 1.0;
    return s;
}

NeedleEmgSpec noiseless(NeedleEmgSpec s) {
    s.noise = NoiseSpec{};
    return s;
}

PotentialTemplate template_from(const json& j, double sample_rate_hz) {
    PotentialTemplate t;
    t.sample_rate_hz = sample_rate_hz;
    t.oversampling = static_cast<int>(std::lround(j.at("sample_rate_hz").get<double>() / sample_rate_hz));
    t.reference_index = j.at("reference_index").get<std::size_t>();
    t.samples_uv = j.at("samples_uv").get<std::vector<double>>();
    return t;
}

// Every source (unit or train) of the truth with its JSON.
std::map<std::string, json> sources_of(const json& truth) {
    std::map<std::string, json> out;
    for (const auto& u : truth.at("motor_units")) out[u.at("id")] = u;
    for (const auto& t : truth.at("spontaneous").at("trains")) out[t.at("id")] = t;
    return out;
}

std::vector<double> times_of(const json& truth, const std::string& source) {
    std::vector<double> t;
    for (const auto& d : truth.at("discharges")) {
        if (d.at("source") == source) t.push_back(d.at("time_s"));
    }
    return t;
}

}  // namespace

TEST_CASE("a needle recording follows the layout's model", "[needle_emg]") {
    auto spec = short_spec();
    spec.maximal_s = 1.0;
    const auto sim = simulate_needle_emg(spec, 1);
    const auto& rec = sim.recording;
    REQUIRE_NOTHROW(rec.check_consistent());
    REQUIRE(rec.info.kind == edx::RecordingKind::needle_emg);
    REQUIRE(rec.info.units == edx::Units::uV);
    REQUIRE(rec.info.sample_rate_hz ==
            edx::signals::constant("physiology/needle_emg.json", "/recording/sample_rate_hz"));
    REQUIRE(rec.info.muscle == "tibialis_anterior");
    REQUIRE(rec.info.side == "left");
    REQUIRE(rec.form == edx::SampleForm::continuous);
    REQUIRE(rec.frames == 110000);
    REQUIRE(rec.markers.size() == 3);
    REQUIRE(rec.marker_state("contraction", 3.9) == "rest");
    REQUIRE(rec.marker_state("contraction", 4.0) == "minimal");
    REQUIRE(rec.marker_state("contraction", 10.5) == "maximal");
    REQUIRE(sim.truth.at("segments").size() == 3);
    REQUIRE(sim.truth.at("muscle_state").at("muap_class") == "normal");
}

TEST_CASE("the noise in the recording is the noise in the truth", "[needle_emg]") {
    auto spec = short_spec();
    spec.spontaneous.grade = 2;
    const auto noisy = simulate_needle_emg(spec, 7);
    const auto clean = simulate_needle_emg(noiseless(spec), 7);
    // Everything but the noise is drawn from other streams: identical discharges.
    REQUIRE(noisy.truth.at("discharges") == clean.truth.at("discharges"));
    REQUIRE(clean.truth.at("noise").at("realised_rms_uv") == 0.0);
    double acc = 0.0;
    for (std::size_t i = 0; i < noisy.recording.samples.size(); ++i) {
        const double d = double(noisy.recording.samples[i]) - double(clean.recording.samples[i]);
        acc += d * d;
    }
    const double rms = std::sqrt(acc / noisy.recording.samples.size());
    const double realised = noisy.truth.at("noise").at("realised_rms_uv");
    // float samples: the difference carries rounding of at most 1e-7 of a
    // few-mV signal, far below 0.1% of 10 uV.
    REQUIRE(rms == Approx(realised).epsilon(1e-3));
    REQUIRE(realised == Approx(10.0).epsilon(0.01));
}

TEST_CASE("the truth rebuilds the noiseless signal exactly", "[needle_emg]") {
    // Each discharge's waveform is present at its truth time, and nothing else
    // is in the signal: adding every truth template at every truth time gives
    // back the recording to float precision.
    for (auto muap_class : {MuapClass::normal, MuapClass::neuropathic}) {
        auto spec = noiseless(short_spec());
        spec.muap_class = muap_class;
        spec.maximal_s = 1.0;
        spec.spontaneous.grade = 3;
        spec.spontaneous.fasciculating_units = 1;
        spec.spontaneous.complex_repetitive_discharges = 1;
        spec.truth_templates = true;
        const auto sim = simulate_needle_emg(spec, 3);
        const auto sources = sources_of(sim.truth);
        const double fs = sim.recording.info.sample_rate_hz;
        std::vector<float> rebuilt(sim.recording.samples.size(), 0.0f);
        std::map<std::string, PotentialTemplate> templates;
        for (const auto& [id, j] : sources) templates[id] = template_from(j.at("template"), fs);
        for (const auto& d : sim.truth.at("discharges")) {
            const auto& t = templates.at(d.at("source").get<std::string>());
            // The truth time lies on the template's fine grid.
            const double time = d.at("time_s");
            REQUIRE(t.quantise(time) == Approx(time).margin(1e-12));
            REQUIRE(d.at("peak_uv").get<double>() == t.peak_uv());
            t.add_to(rebuilt, time);
        }
        double worst = 0.0, largest = 0.0;
        for (std::size_t i = 0; i < rebuilt.size(); ++i) {
            worst = std::max(worst, std::abs(double(rebuilt[i]) - double(sim.recording.samples[i])));
            largest = std::max(largest, std::abs(double(sim.recording.samples[i])));
        }
        REQUIRE(largest > 100.0);
        REQUIRE(worst <= 1e-5 * largest);
    }
}

TEST_CASE("the truth's parameters are those measured on its templates", "[needle_emg]") {
    auto spec = noiseless(short_spec());
    spec.muap_class = MuapClass::myopathic;
    spec.spontaneous.grade = 2;
    spec.truth_templates = true;
    const auto sim = simulate_needle_emg(spec, 5);
    const auto criteria = MuapCriteria::from_table();
    REQUIRE(sim.truth.at("measurement").at("level_uv") == criteria.level_uv);
    for (const auto& [id, j] : sources_of(sim.truth)) {
        INFO(id);
        const auto t = template_from(j.at("template"), sim.recording.info.sample_rate_hz);
        REQUIRE(to_json(measure_muap(t.samples_uv, t.fine_rate_hz(), criteria)) == j.at("parameters"));
        REQUIRE(j.at("discharge_count").get<std::size_t>() == times_of(sim.truth, id).size());
    }
    // Each discharge's amplitude is its source's.
    for (const auto& d : sim.truth.at("discharges")) {
        REQUIRE(d.at("amplitude_uv") == sources_of(sim.truth).at(d.at("source")).at("parameters").at("amplitude_uv"));
    }
}

TEST_CASE("firing at minimal effort has the configured rates and variability", "[needle_emg]") {
    int checked = 0;
    for (std::uint64_t seed = 1; seed <= 4; ++seed) {
        auto spec = short_spec();
        spec.rest_s = 0.0;
        spec.minimal_s = 20.0;
        spec.ramp_s = 2.0;
        const auto sim = simulate_needle_emg(spec, seed);
        for (const auto& u : sim.truth.at("motor_units")) {
            // Recompute from the discharge list, not from the truth's own summary.
            const auto t = times_of(sim.truth, u.at("id"));
            std::vector<double> isi;
            for (std::size_t i = 1; i < t.size(); ++i) {
                if (t[i - 1] >= 2.0) isi.push_back(t[i] - t[i - 1]);
            }
            if (isi.size() < 40) continue;
            double m = 0, ss = 0;
            for (double d : isi) m += d / isi.size();
            for (double d : isi) ss += (d - m) * (d - m);
            const double cv = std::sqrt(ss / (isi.size() - 1)) / m;
            const double expected_rate = u.at("minimal_hold").at("expected_rate_hz");
            const double configured_cv = u.at("isi_cv");
            const double n = double(isi.size());
            INFO(u.at("id") << ": rate " << 1 / m << " vs " << expected_rate << ", CV " << cv << " vs " << configured_cv);
            // 4 standard errors: the mean ISI's is cv / sqrt(n), the CV's about cv / sqrt(2n).
            REQUIRE(1.0 / m == Approx(expected_rate).epsilon(4 * configured_cv / std::sqrt(n)));
            REQUIRE(cv == Approx(configured_cv).margin(4 * configured_cv / std::sqrt(2 * n)));
            ++checked;
        }
    }
    REQUIRE(checked >= 6);
}

TEST_CASE("neuropathic and myopathic muscles differ from normal as in the clinic", "[needle_emg]") {
    // Units active at minimal effort, pooled over several recordings per class.
    struct Pool {
        double amplitude = 0, duration = 0, units = 0, fastest = 0;
        int n = 0, recordings = 0;
    };
    std::map<MuapClass, Pool> pools;
    for (auto c : {MuapClass::normal, MuapClass::neuropathic, MuapClass::myopathic}) {
        for (std::uint64_t seed = 1; seed <= 6; ++seed) {
            auto spec = short_spec();
            spec.rest_s = 0.0;
            spec.muap_class = c;
            const auto sim = simulate_needle_emg(spec, seed);
            auto& p = pools[c];
            for (const auto& u : sim.truth.at("motor_units")) {
                p.amplitude += u.at("parameters").at("amplitude_uv").get<double>();
                p.duration += u.at("parameters").at("duration_ms").get<double>();
                ++p.n;
            }
            p.units += sim.truth.at("recruitment").at("minimal").at("active_units").get<double>();
            p.fastest += sim.truth.at("recruitment").at("minimal").at("fastest_rate_hz").get<double>();
            ++p.recordings;
        }
    }
    auto mean = [](double sum, int n) { return sum / n; };
    const auto& normal = pools[MuapClass::normal];
    const auto& neuro = pools[MuapClass::neuropathic];
    const auto& myo = pools[MuapClass::myopathic];
    REQUIRE(mean(neuro.amplitude, neuro.n) > mean(normal.amplitude, normal.n));
    REQUIRE(mean(neuro.duration, neuro.n) > mean(normal.duration, normal.n));
    REQUIRE(mean(myo.amplitude, myo.n) < mean(normal.amplitude, normal.n));
    REQUIRE(mean(myo.duration, myo.n) < mean(normal.duration, normal.n));
    // Reduced recruitment: fewer units, the first firing faster; early: more units.
    REQUIRE(mean(neuro.units, neuro.recordings) < mean(normal.units, normal.recordings));
    REQUIRE(mean(neuro.fastest, neuro.recordings) > 15.0);
    REQUIRE(mean(myo.units, myo.recordings) > mean(normal.units, normal.recordings));
    // Every unit that fires is in the truth with its class.
    REQUIRE(normal.n >= normal.recordings);
}

TEST_CASE("the grade in the truth is the grade asked for", "[needle_emg]") {
    const auto& grades = spontaneous_grades();
    for (int grade = 0; grade <= 4; ++grade) {
        for (std::uint64_t seed = 1; seed <= 3; ++seed) {
            auto spec = short_spec();
            spec.rest_s = 10.0;
            spec.minimal_s = 0.0;
            spec.spontaneous.grade = grade;
            const auto sim = simulate_needle_emg(spec, seed);
            const auto& sp = sim.truth.at("spontaneous");
            REQUIRE(sp.at("grade") == grade);
            REQUIRE(sim.truth.at("muscle_state").at("spontaneous_grade") == grade);
            REQUIRE(sim.truth.at("muscle_state").at("spontaneous_grade_label") == grades[grade].label);
            // Count the fibrillation / positive-sharp-wave trains that fire
            // through the rest segment, from the discharges themselves.
            int trains = 0;
            for (const auto& t : sp.at("trains")) {
                const auto times = times_of(sim.truth, t.at("id"));
                const bool denervation = t.at("class") == "fibrillation" || t.at("class") == "positive_sharp_wave";
                if (denervation && !times.empty() && times.back() - times.front() > grade_persistence_s()) ++trains;
            }
            REQUIRE(trains >= grades[grade].trains_min);
            REQUIRE(trains <= grades[grade].trains_max);
        }
    }
}

TEST_CASE("a recording is the same for the same seed and name, and only then", "[needle_emg]") {
    auto spec = short_spec();
    spec.spontaneous.grade = 1;
    const auto a = simulate_needle_emg(spec, 11);
    const auto b = simulate_needle_emg(spec, 11);
    REQUIRE(a.recording.samples == b.recording.samples);
    REQUIRE(a.truth == b.truth);
    const auto c = simulate_needle_emg(spec, 12);
    REQUIRE(a.recording.samples != c.recording.samples);
    spec.name = "ta_right";
    const auto d = simulate_needle_emg(spec, 11);
    REQUIRE(a.recording.samples != d.recording.samples);
}

TEST_CASE("inverted polarity flips every waveform and the truth's peaks", "[needle_emg]") {
    auto spec = noiseless(short_spec());
    spec.spontaneous.grade = 1;
    const auto up = simulate_needle_emg(spec, 2);
    spec.invert_polarity = true;
    const auto down = simulate_needle_emg(spec, 2);
    for (std::size_t i = 0; i < up.recording.samples.size(); ++i) {
        REQUIRE(down.recording.samples[i] == -up.recording.samples[i]);
    }
    const auto& du = up.truth.at("discharges");
    const auto& dd = down.truth.at("discharges");
    REQUIRE(du.size() == dd.size());
    for (std::size_t i = 0; i < du.size(); ++i) {
        REQUIRE(dd[i].at("peak_uv").get<double>() == -du[i].at("peak_uv").get<double>());
        REQUIRE(dd[i].at("amplitude_uv") == du[i].at("amplitude_uv"));
    }
}

TEST_CASE("overlapping discharges are flagged", "[needle_emg]") {
    auto spec = short_spec();
    spec.maximal_s = 1.0;
    spec.spontaneous.grade = 1;
    const auto sim = simulate_needle_emg(spec, 4);
    int rest_overlapped = 0, maximal_overlapped = 0, maximal = 0;
    for (const auto& d : sim.truth.at("discharges")) {
        if (d.at("contraction") == "maximal") {
            ++maximal;
            maximal_overlapped += d.at("overlapped").get<bool>() ? 1 : 0;
        } else if (d.at("contraction") == "rest") {
            rest_overlapped += d.at("overlapped").get<bool>() ? 1 : 0;
        }
    }
    // At rest a single regular train (grade 1+: a 1-5 ms potential at most 15 Hz)
    // never overlaps itself; the interference pattern is mostly overlap.
    REQUIRE(rest_overlapped == 0);
    REQUIRE(maximal > 100);
    REQUIRE(maximal_overlapped > maximal / 2);
}

TEST_CASE("model overrides reach the units and the pool", "[needle_emg]") {
    // Partial reinnervation: a neuropathic unit model with fewer adopted fibres
    // than the table's, and a pool with a given unit loss.
    auto spec = short_spec();
    spec.muap_class = MuapClass::neuropathic;
    auto units = MotorUnitModel::from_table(MuapClass::neuropathic);
    units.reinnervation_factor = {1.5, 1.5};
    spec.unit_model = units;
    auto pool = RecruitmentModel::from_table(RecruitmentPattern::reduced);
    pool.surviving_unit_fraction = {0.25, 0.25};
    spec.recruitment_model = pool;
    const auto sim = simulate_needle_emg(spec, 6);
    REQUIRE(sim.truth.at("recruitment").at("pool_units") == 5);
    for (const auto& u : sim.truth.at("motor_units")) {
        REQUIRE(u.at("anatomy").at("reinnervation_factor") == 1.5);
    }
    spec.unit_model->muap_class = MuapClass::myopathic;
    REQUIRE_THROWS_WITH(simulate_needle_emg(spec, 6), Catch::Contains("unit_model"));
}

TEST_CASE("bad needle specs are refused with the field named", "[needle_emg]") {
    auto spec = short_spec();
    spec.side = "both";
    REQUIRE_THROWS_WITH(simulate_needle_emg(spec, 1), Catch::Contains("side"));
    spec = short_spec();
    spec.rest_s = -1.0;
    REQUIRE_THROWS_WITH(simulate_needle_emg(spec, 1), Catch::Contains("rest_s"));
    spec = short_spec();
    spec.rest_s = 2.0;
    spec.spontaneous.grade = 2;
    REQUIRE_THROWS_WITH(simulate_needle_emg(spec, 1), Catch::Contains("rest_s"));
    spec = short_spec();
    spec.sample_rate_hz = 0.0;
    REQUIRE_THROWS_WITH(simulate_needle_emg(spec, 1), Catch::Contains("sample_rate_hz"));
}
