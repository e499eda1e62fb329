#include <catch2/catch.hpp>


#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "cli/edx_runner.hpp"
#include "edx/dsp/butterworth.hpp"
#include "edx/dsp/notch.hpp"
#include "edx/dsp/sos_filter.hpp"
#include "edx/dsp/zero_phase.hpp"
#include "edx/io/layout_reader.hpp"
#include "edx/io/layout_writer.hpp"

namespace fs = std::filesystem;

namespace {

struct Dir {
    fs::path path;
    Dir() {
        path = fs::temp_directory_path() / ("edx_filter_test_" + std::to_string(::getpid()) + "_" +
                                            std::to_string(std::rand()));
        fs::create_directories(path);
    }
    ~Dir() { fs::remove_all(path); }
};

edx::test::EdxRun run_edx(const Dir& dir, const std::string& args) { return edx::test::run_edx(dir.path, args); }

// An H-reflex recording in sweep form (20 kHz) and a 2-channel continuous
// needle EMG recording (48 kHz) with a NaN, stimuli and markers.
edx::Study make_study() {
    std::mt19937 rng(3);
    std::normal_distribution<float> noise(0.0f, 0.05f);
    edx::Study study;
    study.subject_id = "S01";
    edx::Recording h;
    h.info.name = "soleus_h_left";
    h.info.kind = edx::RecordingKind::h_reflex;
    h.info.sample_rate_hz = 20000.0;
    h.info.units = edx::Units::mV;
    h.info.muscle = "soleus";
    h.form = edx::SampleForm::sweeps;
    h.frames = 1000;
    h.sweep_count = 3;
    h.pre_trigger_s = 0.01;
    for (std::size_t s = 0; s < 3; ++s) {
        h.stimuli.push_back({1.0 + 2.0 * static_cast<double>(s), 12.0});
        for (std::size_t i = 0; i < h.frames; ++i) h.samples.push_back(0.3f + noise(rng));
    }
    h.markers.push_back({0.5, "position=fair"});
    study.recordings.push_back(h);

    edx::Recording e;
    e.info.name = "ta_emg";
    e.info.kind = edx::RecordingKind::needle_emg;
    e.info.sample_rate_hz = 48000.0;
    e.info.units = edx::Units::uV;
    e.info.muscle = "tibialis_anterior";
    e.form = edx::SampleForm::continuous;
    e.channels = 2;
    e.frames = 6000;
    for (std::size_t i = 0; i < e.frames * 2; ++i) e.samples.push_back(20.0f + 100.0f * noise(rng));
    e.samples[2 * 3000 + 1] = std::nanf("");
    e.markers.push_back({0.01, "contraction=rest"});
    study.recordings.push_back(e);
    return study;
}

// What `edx filter` must produce for one channel stretch.
std::vector<float> causal(const edx::dsp::SosCascade& c, std::vector<float> x) {
    edx::dsp::StreamingSosFilter f(c, 1);
    f.start_at(std::span<const float>(x.data(), 1));
    std::vector<float> y(x.size());
    f.process(x, y);
    return y;
}

void check_same_except_samples(const edx::Recording& a, const edx::Recording& b) {
    CHECK(a.info.kind == b.info.kind);
    CHECK(a.info.sample_rate_hz == b.info.sample_rate_hz);
    CHECK(a.info.units == b.info.units);
    CHECK(a.info.muscle == b.info.muscle);
    CHECK(a.form == b.form);
    CHECK(a.channels == b.channels);
    CHECK(a.frames == b.frames);
    CHECK(a.sweep_count == b.sweep_count);
    CHECK(a.pre_trigger_s == b.pre_trigger_s);
    REQUIRE(a.stimuli.size() == b.stimuli.size());
    for (std::size_t i = 0; i < a.stimuli.size(); ++i) {
        CHECK(a.stimuli[i].time_s == b.stimuli[i].time_s);
        CHECK(a.stimuli[i].intensity_ma == b.stimuli[i].intensity_ma);
    }
    REQUIRE(a.markers.size() == b.markers.size());
    for (std::size_t i = 0; i < a.markers.size(); ++i) CHECK(a.markers[i].label == b.markers[i].label);
}

// Expected output: each sweep, or each channel's finite stretches, filtered on its own.
std::vector<float> expected_samples(const edx::Recording& in, const edx::dsp::SosCascade& c, bool zero_phase) {
    auto run = [&](std::vector<float> x) {
        if (!zero_phase) return causal(c, x);
        std::vector<float> y(x.size());
        edx::dsp::zero_phase_filter(c, x, y);
        return y;
    };
    std::vector<float> out = in.samples;
    if (in.form == edx::SampleForm::sweeps) {
        for (std::size_t s = 0; s < in.sweep_count; ++s) {
            const auto sw = in.sweep(s);
            const auto y = run(std::vector<float>(sw.begin(), sw.end()));
            std::copy(y.begin(), y.end(), out.begin() + static_cast<std::ptrdiff_t>(s * in.frames));
        }
        return out;
    }
    for (std::size_t ch = 0; ch < in.channels; ++ch) {
        std::size_t i = 0;
        while (i < in.frames) {
            if (!std::isfinite(in.samples[i * in.channels + ch])) { ++i; continue; }
            std::size_t j = i;
            std::vector<float> x;
            while (j < in.frames && std::isfinite(in.samples[j * in.channels + ch])) x.push_back(in.samples[j++ * in.channels + ch]);
            const auto y = run(x);
            for (std::size_t k = 0; k < y.size(); ++k) out[(i + k) * in.channels + ch] = y[k];
            i = j;
        }
    }
    return out;
}

void check_samples(const std::vector<float>& got, const std::vector<float>& want) {
    REQUIRE(got.size() == want.size());
    double peak = 0, worst = 0;
    std::size_t nan_mismatch = 0;
    for (std::size_t i = 0; i < got.size(); ++i) {
        if (std::isnan(want[i]) || std::isnan(got[i])) {
            nan_mismatch += std::isnan(want[i]) != std::isnan(got[i]) ? 1 : 0;
            continue;
        }
        peak = std::max(peak, std::abs(static_cast<double>(want[i])));
        worst = std::max(worst, std::abs(static_cast<double>(got[i]) - want[i]));
    }
    CHECK(nan_mismatch == 0);
    CHECK(worst <= 1e-6 * peak);
}

}  // namespace

TEST_CASE("edx filter filters every recording with explicit settings and keeps everything else", "[cli][filter]") {
    Dir dir;
    const auto study = make_study();
    edx::write_study(study, dir.path / "in.h5");
    for (bool zero_phase : {false, true}) {
        const auto out_file = dir.path / (zero_phase ? "zp.h5" : "out.h5");
        const auto run = run_edx(dir, "filter '" + (dir.path / "in.h5").string() + "' --out '" + out_file.string() +
                                      "' --highpass 10 --lowpass 3000 --order 2 --notch 50 --harmonics 1" +
                                      (zero_phase ? " --zero-phase" : ""));
        INFO(run.err);
        REQUIRE(run.status == 0);
        CHECK(run.out.find("soleus_h_left: high-pass 10 Hz, low-pass 3000 Hz, Butterworth order 2, notch 50 Hz + 1 harmonic") != std::string::npos);

        const edx::LayoutReader reader(out_file);
        CHECK(reader.header("ta_emg").storage.type == "float32");
        const auto out = reader.read_study();
        REQUIRE(out.recordings.size() == 2);
        CHECK(out.subject_id == "S01");
        for (const auto& rec : out.recordings) {
            INFO(rec.info.name << (zero_phase ? " zero-phase" : " causal"));
            const auto& in = *study.find(rec.info.name);
            check_same_except_samples(rec, in);
            const double fs = in.info.sample_rate_hz;
            const auto cascade = edx::dsp::butterworth_highpass(2, 10.0, fs)
                                     .then(edx::dsp::butterworth_lowpass(2, 3000.0, fs))
                                     .then(edx::dsp::mains_notch({50.0, 1, 30.0}, fs));
            check_samples(rec.samples, expected_samples(in, cascade, zero_phase));
        }
        CHECK(out.find("ta_emg")->non_finite.count == 1);
    }
}

TEST_CASE("edx filter applies the machine defaults per kind when no filter is given", "[cli][filter]") {
    Dir dir;
    const auto study = make_study();
    edx::write_study(study, dir.path / "in.h5");
    const auto run = run_edx(dir, "filter '" + (dir.path / "in.h5").string() + "' --out '" + (dir.path / "out.h5").string() + "'");
    INFO(run.err);
    REQUIRE(run.status == 0);
    CHECK(run.out.find("soleus_h_left: high-pass 5 Hz, low-pass 8000 Hz, Butterworth order 2, causal (default for h_reflex [KNF-H, verified])") != std::string::npos);
    CHECK(run.out.find("ta_emg: high-pass 2 Hz, low-pass 10000 Hz") != std::string::npos);
    const auto out = edx::LayoutReader(dir.path / "out.h5").read_study();
    const auto& h = *study.find("soleus_h_left");
    check_samples(out.find("soleus_h_left")->samples,
                  expected_samples(h, edx::dsp::butterworth_highpass(2, 5.0, 20000.0).then(edx::dsp::butterworth_lowpass(2, 8000.0, 20000.0)), false));

    const auto help = run_edx(dir, "filter --help");
    CHECK(help.status == 0);
    CHECK(help.out.find("h_reflex     5 Hz - 8000 Hz  [KNF-H, verified]") != std::string::npos);
    CHECK(help.out.find("motor_ncs    2 Hz - 10000 Hz  [KNF-mot, unverified]") != std::string::npos);
}

TEST_CASE("edx filter refuses impossible settings with exit status 2 and writes nothing", "[cli][filter]") {
    Dir dir;
    edx::write_study(make_study(), dir.path / "in.h5");
    const std::string in = "'" + (dir.path / "in.h5").string() + "'";
    const std::string out = " --out '" + (dir.path / "out.h5").string() + "'";
    auto r = run_edx(dir, "filter " + in + out + " --lowpass 12000");
    CHECK(r.status == 2);
    CHECK(r.err.find("soleus_h_left") != std::string::npos);
    CHECK(r.err.find("Nyquist") != std::string::npos);
    CHECK_FALSE(fs::exists(dir.path / "out.h5"));
    CHECK(run_edx(dir, "filter " + in + out + " --notch 55").status == 2);
    CHECK(run_edx(dir, "filter " + in + out + " --harmonics 2").status == 2);
    CHECK(run_edx(dir, "filter " + in + out + " --bandpass 20").status == 2);
    CHECK(run_edx(dir, "filter " + in + out + " --bandpass 20,2000 --highpass 5").status == 2);
    CHECK(run_edx(dir, "filter " + in).status == 2);
    r = run_edx(dir, "filter '" + (dir.path / "missing.h5").string() + "'" + out);
    CHECK(r.status == 2);
}
