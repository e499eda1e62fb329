// Needle EMG: the accuracy table against simulated recordings with known
// truth and the EMGlab expert decomposition of R00108, and the time to
// analyse 60 s of 4-channel needle EMG at 20 kHz on one core.
//   bench_emg [--quick]
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <map>
#include <string>
#include <vector>

#include "edx/emg/needle_emg_analysis.hpp"
#include "edx/sim/needle_emg.hpp"
#include "edx/sim/study_sim.hpp"
#include "emg/emg_truth.hpp"
#include "emg/r00108.hpp"

using namespace edx;

namespace {

double cpu_seconds() {
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

void spontaneous_table(int recordings) {
    const auto criteria = emg::SpontaneousCriteria::from_tables();
    const std::vector<std::pair<double, double>> bands = {{20, 35}, {35, 50}, {50, 80}, {80, 150}, {150, 1e9}, {50, 1e9}};
    std::map<std::string, std::vector<test::ClassScore>> scores;
    int confusion[5][5] = {};
    for (int i = 0; i < recordings; ++i) {
        sim::NeedleEmgSpec s;
        s.name = "rest";
        s.rest_s = 10.0;
        s.minimal_s = 0.0;
        s.spontaneous.grade = i % 5;
        const auto r = sim::simulate_needle_emg(s, 1000 + static_cast<std::uint64_t>(i) + 1);
        const auto res = emg::analyse_spontaneous(r.recording.samples, 10000.0, 0.0, criteria);
        for (auto kind : {emg::SpontaneousClass::fibrillation, emg::SpontaneousClass::positive_sharp_wave}) {
            auto& v = scores[std::string(emg::to_string(kind))];
            v.resize(bands.size());
            for (std::size_t b = 0; b < bands.size(); ++b) {
                v[b] += test::score_class(res, r.truth, kind, bands[b].first, bands[b].second, 0.0, 10.0);
            }
        }
        ++confusion[r.truth.at("spontaneous").at("grade").get<int>()][res.grade];
    }
    std::printf("\n1. Spontaneous activity: %d rest recordings of 10 s, grades 0-4+ in turn, 10 uV RMS noise\n", recordings);
    std::printf("   detection by truth amplitude band (uV): recall / precision / F1\n");
    std::printf("   %-22s", "class");
    for (const auto& [lo, hi] : bands) {
        char b[32];
        if (hi > 1e8) std::snprintf(b, sizeof b, ">=%.0f", lo);
        else std::snprintf(b, sizeof b, "%.0f-%.0f", lo, hi);
        std::printf(" %20s", b);
    }
    std::printf("\n");
    for (const auto& [name, v] : scores) {
        std::printf("   %-22s", name.c_str());
        for (const auto& s : v) std::printf("   %.3f/%.3f/%.3f", s.recall(), s.precision(), s.f1());
        std::printf("\n");
    }
    int ok = 0, total = 0;
    std::printf("   grade confusion (rows truth 0-4+, columns found 0-4+):\n");
    for (int t = 0; t < 5; ++t) {
        std::printf("     %d:", t);
        for (int f = 0; f < 5; ++f) {
            std::printf(" %4d", confusion[t][f]);
            total += confusion[t][f];
            ok += t == f ? confusion[t][f] : 0;
        }
        std::printf("\n");
    }
    std::printf("   grade agreement %d / %d = %.1f%% (target >= 90%%)\n", ok, total, 100.0 * ok / total);
}

void muap_table(int seeds) {
    const auto dc = emg::DecompositionCriteria::from_table();
    const auto uc = emg::UnitAnalysisCriteria::from_tables();
    std::printf("\n2. MUAPs at minimal effort (10 s, 10 uV RMS): units firing >= 20 times, matched by discharges (0.5 ms)\n");
    std::printf("   %-12s %6s %6s %10s %10s %12s %12s %10s\n", "class", "units", "found", "|dA| mean", "|dA|<=10%", "|dD| mean ms",
                "|dD|<=1 ms", "both");
    for (auto cls : {sim::MuapClass::normal, sim::MuapClass::neuropathic, sim::MuapClass::myopathic}) {
        int units = 0, found = 0, aok = 0, dok = 0, both = 0;
        double da = 0, dd = 0;
        for (int seed = 1; seed <= seeds; ++seed) {
            sim::NeedleEmgSpec spec;
            spec.name = "minimal";
            spec.rest_s = 0.5;
            spec.minimal_s = 10.0;
            spec.muap_class = cls;
            const auto r = sim::simulate_needle_emg(spec, 2000 + static_cast<std::uint64_t>(seed));
            const std::span<const float> seg(r.recording.samples.data() + 5000, r.recording.samples.size() - 5000);
            const auto dec = emg::decompose_muaps(seg, 10000.0, 0.5, dc);
            const auto mus = emg::analyse_units(dec, uc);
            for (const auto& u : r.truth.at("motor_units")) {
                const auto truth = test::source_times(r.truth, u.at("id").get<std::string>(), 0.5, 10.5);
                if (truth.size() < 20) continue;
                ++units;
                std::size_t best = 0;
                const emg::MotorUnitResult* f = nullptr;
                for (const auto& mu : mus) {
                    const auto m = test::match_times(truth, mu.times_s, 0.0005).matched;
                    if (m > best) {
                        best = m;
                        f = &mu;
                    }
                }
                if (!f || best < 0.5 * truth.size()) continue;
                ++found;
                const double a = u.at("parameters").at("amplitude_uv").get<double>();
                const double d = u.at("parameters").at("duration_ms").get<double>();
                const double ea = std::abs(f->parameters.amplitude_uv - a) / a, ed = std::abs(f->parameters.duration_ms - d);
                da += ea;
                dd += ed;
                aok += ea <= 0.1;
                dok += ed <= 1.0;
                both += ea <= 0.1 && ed <= 1.0;
            }
        }
        std::printf("   %-12s %6d %6d %9.1f%% %10.3f %12.2f %12.3f %10.3f\n", std::string(sim::to_string(cls)).c_str(), units, found,
                    100.0 * da / std::max(found, 1), static_cast<double>(aok) / std::max(found, 1), dd / std::max(found, 1),
                    static_cast<double>(dok) / std::max(found, 1), static_cast<double>(both) / std::max(found, 1));
    }
}

void call_table(int seeds) {
    const auto config = emg::NeedleEmgConfig::from_tables();
    std::printf("\n3. Call per simulated muscle (tibialis anterior, concentric, rest 1 s + minimal 10 s): rows truth, columns call\n");
    std::printf("   %-12s %8s %12s %10s %18s\n", "", "normal", "neuropathic", "myopathic", "insufficient_data");
    int ok = 0, total = 0;
    for (auto cls : {sim::MuapClass::normal, sim::MuapClass::neuropathic, sim::MuapClass::myopathic}) {
        std::map<std::string, int> row;
        for (int seed = 1; seed <= seeds; ++seed) {
            sim::NeedleEmgSpec spec;
            spec.name = "ta_needle";
            spec.muscle = "tibialis_anterior";
            spec.rest_s = 1.0;
            spec.minimal_s = 10.0;
            spec.muap_class = cls;
            const auto r = sim::simulate_needle_emg(spec, 6000 + static_cast<std::uint64_t>(seed));
            const auto call = std::string(emg::to_string(emg::analyse_needle_emg(r.recording, config).call.call));
            ++row[call];
            ++total;
            ok += call == sim::to_string(cls) ? 1 : 0;
        }
        std::printf("   %-12s %8d %12d %10d %18d\n", std::string(sim::to_string(cls)).c_str(), row["normal"], row["neuropathic"],
                    row["myopathic"], row["insufficient_data"]);
    }
    std::printf("   correct %d / %d = %.1f%% (target >= 95%%)\n", ok, total, 100.0 * ok / total);
}

void localisation_table(int seeds) {
    const auto config = emg::NeedleEmgConfig::from_tables();
    const std::vector<sim::LesionSite> sites = {sim::LesionSite::L5_root, sim::LesionSite::S1_root, sim::LesionSite::lumbosacral_plexus,
                                                sim::LesionSite::sciatic_deep_gluteal, sim::LesionSite::peroneal_fibular_head,
                                                sim::LesionSite::none};
    std::vector<std::string> names;
    for (auto s : sites) names.emplace_back(sim::to_string(s));
    std::map<std::string, std::map<std::string, int>> confusion;
    int ok = 0, total = 0;
    std::uint64_t seed = 9000;
    for (auto site : sites) {
        for (const std::string side : {"left", "right"}) {
            for (double loss : {0.3, 0.45, 0.6, 0.75, 0.9}) {
                for (int k = 0; k < seeds; ++k) {
                    ++seed;
                    if (site == sim::LesionSite::none && loss != 0.3) continue;
                    sim::StudySpec spec;
                    spec.lesion = site;
                    spec.side = side;
                    spec.axon_loss = loss;
                    spec.lesion_age_months = 1.0 + static_cast<double>(seed % 12);
                    spec.h_reflex = false;
                    spec.nerve_conduction = false;
                    spec.needle_rest_s = 4.0;
                    spec.needle_minimal_s = 6.0;
                    const auto study = sim::simulate_study(spec, seed);
                    std::vector<emg::SnapFinding> snaps;
                    for (const auto& [nerve, t] : study.truth.at("lesion").at("sensory_nerves").items()) {
                        snaps.push_back({nerve, side, 1.0 - t.at("axon_loss_fraction").get<double>(), std::nullopt});
                    }
                    const auto res = emg::analyse_study_emg(study.study, snaps, config);
                    const std::string top = res.localisations.empty() ? "-" : res.localisations[0].ranked.front().site;
                    ++confusion[std::string(sim::to_string(site))][top];
                    ++total;
                    ok += top == sim::to_string(site) ? 1 : 0;
                }
            }
        }
    }
    std::printf("\n4. Localisation: simulated studies (9 muscles, rest 4 s + minimal 6 s, axon loss 0.3-0.9, lesion age 1-12 months,\n"
                "   SNAP ratios from the truth): rows true site, columns site ranked first\n   %-22s", "");
    for (const auto& n : names) std::printf(" %12.12s", n.c_str());
    std::printf("\n");
    for (const auto& t : names) {
        std::printf("   %-22s", t.c_str());
        for (const auto& f : names) std::printf(" %12d", confusion[t][f]);
        std::printf("\n");
    }
    std::printf("   true site first %d / %d = %.1f%% (target >= 95%%)\n", ok, total, 100.0 * ok / total);
}

void r00108_table() {
    const auto& run = test::r00108_run();
    std::printf("\n5. R00108 (EMGlab, normal biceps, 10%% MVC, monopolar): expert units matched by template (correlation >= 0.9)\n");
    if (!run) {
        std::printf("   %s\n", test::r00108_absent_message().c_str());
        return;
    }
    std::printf("   %d units found; %-6s %8s %6s %12s %14s %10s\n", static_cast<int>(run->decomposition.units.size()), "expert", "firings",
                "ours", "correlation", "found<=0.5ms", "offset ms");
    int good = 0;
    for (const auto& m : run->matches) {
        const double share = static_cast<double>(m.found) / static_cast<double>(m.firings);
        good += m.unit >= 0 && share >= 0.9 ? 1 : 0;
        std::printf("   %28d %8zu %6d %12.3f %9zu %3.0f%% %10.2f\n", m.expert_unit, m.firings, m.unit, m.correlation, m.found, 100.0 * share,
                    m.offset_ms);
    }
    std::printf("   matched by template %d / 8 (target >= 6); with >= 90%% of discharges %d / 8 (target >= 6)\n",
                test::matched_by_template(*run), good);
    auto config = emg::NeedleEmgConfig::from_tables();
    config.needle = emg::NeedleType::monopolar;
    config.needle_given = true;
    const auto res = emg::analyse_needle_emg(run->recording, config);
    std::printf("   call: %s (%d units, fastest %.1f Hz)\n", std::string(emg::to_string(res.call.call)).c_str(), res.muap.n_units,
                res.muap.recruitment.fastest_rate_hz.value_or(0.0));
}

void speed() {
    // 4 channels (4 needle sites) at 20 kHz: rest 20 s then minimal effort 40 s.
    const sim::MuapClass classes[4] = {sim::MuapClass::normal, sim::MuapClass::neuropathic, sim::MuapClass::myopathic, sim::MuapClass::normal};
    const int grades[4] = {0, 3, 0, 1};
    std::vector<sim::SimulatedRecording> ch;
    for (int c = 0; c < 4; ++c) {
        sim::NeedleEmgSpec s;
        s.name = "site" + std::to_string(c);
        s.sample_rate_hz = 20000.0;
        s.rest_s = 20.0;
        s.minimal_s = 40.0;
        s.muap_class = classes[c];
        s.spontaneous.grade = grades[c];
        ch.push_back(sim::simulate_needle_emg(s, 11 + static_cast<std::uint64_t>(c)));
    }
    Recording rec = ch[0].recording;
    rec.channels = 4;
    rec.samples.assign(rec.frames * 4, 0.0f);
    for (std::size_t i = 0; i < rec.frames; ++i) {
        for (std::size_t c = 0; c < 4; ++c) rec.samples[i * 4 + c] = ch[c].recording.samples[i];
    }
    const auto config = emg::NeedleEmgConfig::from_tables();
    std::vector<double> cpu, wall;
    emg::NeedleEmgResult res;
    for (int k = 0; k < 3; ++k) {
        const double c0 = cpu_seconds();
        const auto w0 = std::chrono::steady_clock::now();
        res = emg::analyse_needle_emg(rec, config);
        cpu.push_back(cpu_seconds() - c0);
        wall.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count());
    }
    std::sort(cpu.begin(), cpu.end());
    std::sort(wall.begin(), wall.end());
    std::printf("\n6. Speed: 60 s x 4 channels at 20 kHz (rest 20 s + minimal 40 s per channel), one thread\n");
    std::printf("   analyse_needle_emg: CPU %.3f s (median of 3; min %.3f), wall %.3f s (target < 1 s)\n", cpu[1], cpu[0], wall[1]);
    std::printf("   (%d units, grade %s, call %s)\n", res.muap.n_units, emg::grade_label(res.spontaneous ? res.spontaneous->grade : 0).c_str(),
                std::string(emg::to_string(res.call.call)).c_str());
}

}  // namespace

int main(int argc, char** argv) {
    const bool quick = argc > 1 && std::string(argv[1]) == "--quick";
    std::printf("bench_emg: needle EMG accuracy against known truth, and speed%s\n", quick ? " (quick)" : "");
    spontaneous_table(quick ? 25 : 100);
    muap_table(quick ? 4 : 15);
    call_table(quick ? 5 : 20);
    localisation_table(quick ? 1 : 3);
    r00108_table();
    speed();
    return 0;
}
