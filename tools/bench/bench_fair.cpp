// FAIR H-wave delay: the accuracy table and the speed the issue asks for.
//
// Accuracy: legs simulated by sim::simulate_h_reflex with the FAIR protocol
// (anatomic, FAIR, anatomic; 10 sweeps each at 0.5 Hz, 5 s after each
// marker). Each sweep's latency is the simulator's truth (h_onset_ms) plus a
// Gaussian measurement error of 0.1 ms; the simulator's H jitter is 0.283 ms,
// so the measured latencies vary by 0.3 ms SD from sweep to sweep.
// Speed: analyze_fair on a 30-sweep time course with the default options
// (2000 bootstrap replicates, 999 permutations), the leg comparison, and the
// online estimator's add_sweep and update.
//
// End to end: sim::simulate_h_reflex -> measure_h_reflex -> FAIR, with the
// simulator's H jitter at 0.3 ms and its default background noise.
//
// Scaling: analyze_fair and measure_h_reflex on one leg of 30 to 10,000
// sweeps (a third in each position of the FAIR protocol), one run each.
//
// Scan grid: on more than 68 FAIR sweeps the permutation test scans 64 evenly
// spaced candidate onsets (fair_kernel.hpp); its p-value and verdict against
// the full scan's, on the same permutation deals.
//
// Usage: bench_fair [legs per row, default 1000; 0: the speed section only]
//        bench_fair scaling [largest number of sweeps, default 10000]
//        bench_fair scan-grid [legs per row, default 20]
#include <algorithm>
#include <chrono>
#include <ctime>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "edx/evoked/fair_analysis.hpp"
#include "edx/evoked/fair_leg_comparison.hpp"
#include "edx/evoked/fair_online.hpp"
#include "edx/evoked/fair_recording.hpp"
#include "edx/evoked/h_reflex.hpp"
#include "edx/sim/h_reflex_sim.hpp"
#include "edx/sim/random.hpp"
#include "evoked/fair_kernel.hpp"

using namespace edx;
using namespace edx::evoked;

namespace {

constexpr double kNoiseSdMs = 0.1;
const double kJitterSdMs = std::sqrt(0.3 * 0.3 - kNoiseSdMs * kNoiseSdMs);

struct Leg {
    FairTimeCourse course;
    std::vector<double> applied_ms;  // by sweep index
};

Leg simulate(double delay_ms, double tau_s, std::uint64_t seed, int per_position = 10,
             const std::string& side = "left") {
    sim::HReflexConfig c;
    c.name = "soleus_h_" + side;
    c.side = side;
    c.h_jitter_sd_ms = kJitterSdMs;
    c.fair.delay_ms = delay_ms;
    c.fair.onset_tau_s = tau_s;
    c.phases = sim::fair_protocol(per_position);
    c.background = sim::EvokedBackground::none();  // the truth does not depend on it
    const auto s = sim::simulate_h_reflex(c, seed);
    sim::Random noise = sim::Random::stream(seed, c.name + "/measurement");
    Leg leg;
    leg.course.name = c.name;
    leg.course.side = side;
    for (const auto& m : s.recording.markers) {
        if (auto v = m.value_of("position")) leg.course.markers.push_back({m.time_s, std::string(*v)});
    }
    for (const auto& t : s.truth.at("sweeps")) {
        FairSweep f;
        f.sweep_index = t.at("index").get<std::size_t>();
        f.time_s = t.at("time_s").get<double>();
        f.position = t.at("position").get<std::string>();
        const double e = noise.normal(0.0, kNoiseSdMs);
        if (!t.at("h_onset_ms").is_null()) f.h_latency_ms = t.at("h_onset_ms").get<double>() + e;
        leg.course.sweeps.push_back(f);
        leg.applied_ms.push_back(t.at("delay_applied_ms").get<double>());
    }
    return leg;
}

double median(std::vector<double> v) {
    if (v.empty()) return std::nan("");
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

double mean(const std::vector<double>& v) {
    double s = 0.0;
    for (double x : v) s += x;
    return v.empty() ? std::nan("") : s / static_cast<double>(v.size());
}

double o_criterion() {
    static const double c = FairOptions{}.criterion_ms;
    return c;
}

struct Tally {
    std::vector<double> estimate, error_d, error_used, applied_used, applied_fair, onset;
    int positive = 0, positive_lo = 0, significant = 0, covered_d = 0, covered_used = 0, onset_first = 0, split = 0, n = 0;
};

void score(const Leg& leg, double d, Tally& t) {
    const FairAnalysis a = analyze_fair(leg.course);
    const FairEstimate& e = a.estimate;
    if (e.status != FairStatus::ok) return;
    ++t.n;
    double used = 0.0, all = 0.0;
    int n_used = 0, n_all = 0;
    for (const auto& s : a.time_course) {
        const double x = leg.applied_ms[s.sweep_index];
        if (s.role == FairSweepRole::fair) used += x, ++n_used;
        if (s.role == FairSweepRole::fair || s.role == FairSweepRole::fair_developing) all += x, ++n_all;
    }
    used /= n_used;
    all /= n_all;
    t.estimate.push_back(*e.delay_ms);
    t.error_d.push_back(std::abs(*e.delay_ms - d));
    t.error_used.push_back(std::abs(*e.delay_ms - used));
    t.applied_used.push_back(used);
    t.applied_fair.push_back(all);
    t.positive += *e.positive;
    t.positive_lo += *e.ci95_lo_ms >= o_criterion();
    t.significant += *e.significant;
    t.covered_d += *e.ci95_lo_ms <= d && d <= *e.ci95_hi_ms;
    t.covered_used += *e.ci95_lo_ms <= used && used <= *e.ci95_hi_ms;
    t.split += e.n_plateau < e.n_fair;
    if (e.onset_after_fair_s) {
        t.onset.push_back(*e.onset_after_fair_s);
        t.onset_first += *e.onset_after_fair_s == 5.0;
    }
}

double pct(int k, int n) { return 100.0 * k / std::max(n, 1); }

// This thread's CPU time: on a machine shared with other jobs, wall time
// also counts the time the thread waited for a core.
double cpu_ms() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return 1e3 * static_cast<double>(ts.tv_sec) + 1e-6 * static_cast<double>(ts.tv_nsec);
}

struct Timing {
    std::vector<double> wall, cpu;
};

template <class F>
Timing time_ms(int runs, F f) {
    Timing t;
    for (int i = 0; i < runs; ++i) {
        const double c = cpu_ms();
        const auto a = std::chrono::steady_clock::now();
        f(i);
        t.wall.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - a).count());
        t.cpu.push_back(cpu_ms() - c);
    }
    std::sort(t.wall.begin(), t.wall.end());
    std::sort(t.cpu.begin(), t.cpu.end());
    return t;
}

void print_timing(const char* what, const Timing& t) {
    std::printf("  %-46s CPU median %6.2f ms p95 %6.2f max %6.2f | wall median %6.2f ms max %6.2f (%zu runs)\n", what,
                t.cpu[t.cpu.size() / 2], t.cpu[t.cpu.size() * 95 / 100], t.cpu.back(), t.wall[t.wall.size() / 2],
                t.wall.back(), t.cpu.size());
}

// Time against the number of sweeps: the FAIR statistics alone (latencies as
// in section 1, a 3 ms delay building with tau 4 s) and the H-reflex
// measurement that feeds them (simulated sweeps, default noise). One run per
// size: the largest take seconds.
int scaling(int largest) {
    std::printf("Scaling with the number of sweeps (one core, Release; CPU time of one run)\n");
    std::printf("  (256: the live session's window, LiveAnalysisOptions.max_prefix_sweeps; online update: FairOnline\n"
                "  fed every sweep, then one update(), for what fits its 4096-sweep limit)\n");
    std::printf("  %7s %6s %6s %14s %14s %10s %9s %9s %16s\n", "sweeps", "base", "fair", "analyze_fair",
                "online_update", "delay_ms", "p_value", "onset_s", "measure_h_reflex");
    double sink = 0.0;
    for (const int n : {30, 100, 256, 300, 1000, 3000, 10000}) {
        if (n > largest) break;
        const Leg leg = simulate(3.0, 4.0, 700000 + static_cast<std::uint64_t>(n), n / 3);
        FairAnalysis a;
        const Timing t = time_ms(1, [&](int) { a = analyze_fair(leg.course); });
        sim::HReflexConfig cfg;
        cfg.name = "soleus_h_left";
        cfg.side = "left";
        cfg.fair.delay_ms = 3.0;
        cfg.phases = sim::fair_protocol(n / 3);
        const auto s = sim::simulate_h_reflex(cfg, 710000 + static_cast<std::uint64_t>(n));
        const Timing m = time_ms(1, [&](int) {
            sink += static_cast<double>(measure_h_reflex(s.recording, s.recording.info.subject).h_sweeps);
        });
        const FairEstimate& e = a.estimate;
        double online_ms = std::nan("");
        if (e.n_anatomic + e.n_fair <= 4096) {
            FairOnlineConfig oc;
            oc.max_sweeps = static_cast<std::size_t>(e.n_anatomic + e.n_fair);
            FairOnline online(oc);
            std::size_t next = 0;
            for (const auto& sw : leg.course.sweeps) {
                while (next < leg.course.markers.size() && leg.course.markers[next].time_s <= sw.time_s) {
                    online.add_marker(leg.course.markers[next].time_s, leg.course.markers[next].position);
                    ++next;
                }
                online.add_sweep(sw.time_s, sw.position, sw.h_latency_ms, sw.excluded);
            }
            online_ms = time_ms(1, [&](int) { sink += online.update().n_plateau; }).cpu[0];
        }
        std::printf("  %7d %6d %6d %11.1f ms %11.1f ms %10.4f %9.4f %9.1f %13.1f ms\n", n, e.n_anatomic, e.n_fair,
                    t.cpu[0], online_ms, e.delay_ms.value_or(std::nan("")), e.p_value.value_or(std::nan("")),
                    e.onset_after_fair_s.value_or(std::nan("")), m.cpu[0]);
        std::fflush(stdout);
    }
    std::printf("(checksum %g)\n", sink);
    return 0;
}

// The 64-onset grid against every onset: 187 baseline and 100 FAIR sweeps (a
// 300-sweep protocol), 0.3 ms sweep SD, a delay from the first FAIR sweep or
// only in the last 40% (starting between two grid onsets).
int scan_grid(int legs) {
    using namespace edx::evoked::detail;
    const std::size_t nb = 187, m = 100;
    const FairOptions o;
    const auto min_plateau = static_cast<std::size_t>(o.min_sweeps_per_position);
    FairWorkspace w(nb + m, 100);
    std::vector<double> pairs(nb * m), spare(nb * m), sorted(nb), pooled(nb + m);
    std::printf("Scan grid (64 onsets) against the full scan (96 onsets): %zu baseline, %zu FAIR sweeps, SD 0.3 ms,\n"
                "%d permutations, the same deals for both\n", nb, m, o.permutations);
    std::printf("  %-5s %-12s %5s %12s %12s %15s %10s %9s\n", "D_ms", "delay", "legs", "signif_grid", "signif_full",
                "verdict_differs", "mean|dp|", "max|dp|");
    for (const double delay : {0.0, 0.1, 0.2, 0.3, 0.5}) {
        for (const bool late : {false, true}) {
            int differ = 0, sig_grid = 0, sig_full = 0;
            double max_dp = 0.0, sum_dp = 0.0;
            for (int leg = 0; leg < legs; ++leg) {
                sim::Random r(800000 + static_cast<std::uint64_t>(leg) + (late ? 50000u : 0u));
                std::vector<double> b(nb), f(m);
                for (auto& x : b) x = 30.0 + r.normal(0.0, 0.3);
                const std::size_t onset = late ? m * 6 / 10 + 1 : 0;
                for (std::size_t i = 0; i < m; ++i) f[i] = 30.0 + (i >= onset ? delay : 0.0) + r.normal(0.0, 0.3);
                SplitMix64 grid_rng(bootstrap_seed(o.seed, 4)), full_rng(bootstrap_seed(o.seed, 4));
                const double p_grid = w.permutation_p(b, f, o, grid_rng);
                // permutation_p() with the full scan, dealt the same way.
                const double observed = scan_statistic(b, f, min_plateau, pairs, spare, sorted);
                std::copy(b.begin(), b.end(), pooled.begin());
                std::copy(f.begin(), f.end(), pooled.begin() + static_cast<std::ptrdiff_t>(nb));
                std::size_t as_large = 0;
                for (int p = 0; p < o.permutations; ++p) {
                    for (std::size_t i = nb + m - 1; i > 0; --i) std::swap(pooled[i], pooled[full_rng.index(i + 1)]);
                    const auto all = std::span<const double>(pooled);
                    as_large += scan_statistic(all.first(nb), all.subspan(nb), min_plateau, pairs, spare, sorted) >=
                                observed - 1e-9 * (1.0 + observed);
                }
                const double p_full = static_cast<double>(1 + as_large) / (1.0 + o.permutations);
                max_dp = std::max(max_dp, std::abs(p_grid - p_full));
                sum_dp += std::abs(p_grid - p_full);
                sig_grid += p_grid < o.alpha;
                sig_full += p_full < o.alpha;
                differ += (p_grid < o.alpha) != (p_full < o.alpha);
            }
            std::printf("  %-5.1f %-12s %5d %12d %12d %15d %10.4f %9.4f\n", delay, late ? "last 40%" : "all FAIR", legs,
                        sig_grid, sig_full, differ, sum_dp / legs, max_dp);
            std::fflush(stdout);
        }
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc > 1 && std::string(argv[1]) == "scan-grid") return scan_grid(argc > 2 ? std::atoi(argv[2]) : 20);
    if (argc > 1 && std::string(argv[1]) == "scaling") return scaling(argc > 2 ? std::atoi(argv[2]) : 10000);
    const int legs = argc > 1 ? std::atoi(argv[1]) : 1000;
    const FairOptions o;
    std::printf("FAIR H-wave delay benchmark\n");
    std::printf("Legs: sim::simulate_h_reflex, FAIR protocol (anatomic/FAIR/anatomic, 10 sweeps each, 0.5 Hz, 5 s\n"
                "settle); latency = truth h_onset_ms + N(0, %.2f ms); H jitter %.3f ms: 0.3 ms SD per sweep.\n",
                kNoiseSdMs, kJitterSdMs);
    std::printf("positive_lo: what 'positive' would be if the 95%% interval's lower bound had to reach the criterion.\n");
    std::printf("Options: criterion %.2f ms, positive = point estimate >= criterion, %d permutations, %d bootstrap\n"
                "replicates, onset penalty %.1f SD, recovery window %.0f s, minimum %d sweeps per position.\n\n",
                o.criterion_ms, o.permutations, o.bootstrap_resamples, o.onset_penalty_sd, o.recovery_window_s,
                o.min_sweeps_per_position);

    if (legs > 0) {
    std::printf("1. Plateau: tau = 1 s (the first FAIR sweep, 5 s after the marker, carries 99.3%% of D); truth = D\n");
    std::printf("   %-5s %5s %6s %9s %12s %9s %12s %12s %13s %12s %8s\n", "D_ms", "sweeps", "legs", "mean_est",
                "median|err|", "positive", "positive_lo", "significant", "CI95_covers", "onset_5s", "split");
    for (const int per : {10, 5}) {
        for (const double d : {0.0, 1.0, 1.86, 2.5, 3.0}) {
            if (per == 5 && d != 0.0 && d != 2.5) continue;
            Tally t;
            for (int i = 0; i < legs; ++i) score(simulate(d, 1.0, 100000 + i, per), d, t);
            std::printf("   %-5.2f %5d %6d %9.3f %12.3f %8.1f%% %11.1f%% %11.1f%% %12.1f%% %11.1f%% %7.1f%%\n", d, per,
                        t.n, mean(t.estimate), median(t.error_d), pct(t.positive, t.n), pct(t.positive_lo, t.n),
                        pct(t.significant, t.n), pct(t.covered_d, t.n), pct(t.onset_first, t.n), pct(t.split, t.n));
        }
    }

    std::printf("\n2. Building delay, tau 2-10 s (FAIR sweeps at 5-23 s after the marker). 'used' = the sweeps the\n"
                "   delay is estimated from (from the estimated onset on); truth scored = mean delay applied to them\n");
    std::printf("   %-4s %5s %5s %9s %12s %12s %16s %11s %9s %12s %10s %9s %9s\n", "D_ms", "tau_s", "legs",
                "mean_est", "applied_used", "applied_FAIR", "median|est-used|", "median|est-D|", "positive",
                "positive_lo", "CI_covers", "split", "onset_s");
    const int tau_legs = std::max(legs / 2, 50);
    for (const double d : {2.5, 3.0}) {
        for (const double tau : {2.0, 4.0, 6.0, 8.0, 10.0}) {
            Tally t;
            for (int i = 0; i < tau_legs; ++i) score(simulate(d, tau, 200000 + i), d, t);
            std::printf("   %-4.1f %5.0f %5d %9.3f %12.3f %12.3f %16.3f %13.3f %8.1f%% %11.1f%% %9.1f%% %8.1f%% %9.1f\n",
                        d, tau, t.n, mean(t.estimate), mean(t.applied_used), mean(t.applied_fair),
                        median(t.error_used), median(t.error_d), pct(t.positive, t.n), pct(t.positive_lo, t.n),
                        pct(t.covered_used, t.n), pct(t.split, t.n), median(t.onset));
        }
    }

    std::printf("\n3. Delay appearing 12 s after the FAIR marker (a step: the last 6 of 10 FAIR sweeps), sweep SD 0.3 ms\n");
    std::printf("   %-4s %5s %12s %14s %12s %9s\n", "D_ms", "legs", "significant", "onset_13s", "median|err|",
                "positive");
    for (const double d : {0.5, 1.0, 3.0}) {
        int sig = 0, at13 = 0, pos = 0;
        std::vector<double> err;
        for (int i = 0; i < tau_legs; ++i) {
            sim::Random r(300000 + static_cast<std::uint64_t>(i));
            FairTimeCourse c;
            c.markers = {{0.0, "anatomic"}, {25.0, "fair"}, {50.0, "anatomic"}};
            for (int p = 0; p < 2; ++p) {
                for (int k = 0; k < 10; ++k) {
                    const double in = 5.0 + 2.0 * k;
                    const double lat = 30.0 + (p == 1 && in > 12.0 ? d : 0.0) + r.normal(0.0, 0.3);
                    c.sweeps.push_back({static_cast<std::size_t>(10 * p + k), 25.0 * p + in,
                                        p == 1 ? "fair" : "anatomic", lat, false, ""});
                }
            }
            const FairEstimate e = analyze_fair(c).estimate;
            sig += *e.significant;
            pos += *e.positive;
            at13 += e.onset_after_fair_s && *e.onset_after_fair_s == 13.0;
            err.push_back(std::abs(*e.delay_ms - d));
        }
        std::printf("   %-4.1f %5d %11.1f%% %13.1f%% %12.3f %8.1f%%\n", d, tau_legs, pct(sig, tau_legs),
                    pct(at13, tau_legs), median(err), pct(pos, tau_legs));
    }

    }  // legs > 0

    std::printf("\n4. Speed (one core of this machine, Release)\n");
    std::vector<Leg> left, right;
    for (int i = 0; i < 200; ++i) {
        left.push_back(simulate(3.0, 4.0, 400000 + i, 10, "left"));
        right.push_back(simulate(0.3, 4.0, 400000 + i, 10, "right"));
    }
    double sink = 0.0;
    print_timing("analyze_fair, 30-sweep leg, default options", time_ms(200, [&](int i) {
                     sink += *analyze_fair(left[static_cast<std::size_t>(i)].course).estimate.delay_ms;
                 }));
    print_timing("compare_fair_legs, two 30-sweep legs", time_ms(100, [&](int i) {
                     sink += *compare_fair_legs(left[static_cast<std::size_t>(i)].course,
                                                right[static_cast<std::size_t>(i)].course)
                                  .delay_difference_ms;
                 }));
    FairOnline online({});
    const auto& c = left[0].course;
    std::size_t m = 0;
    std::vector<double> add_ns, update_ms;
    for (const auto& s : c.sweeps) {
        while (m < c.markers.size() && c.markers[m].time_s <= s.time_s) {
            online.add_marker(c.markers[m].time_s, c.markers[m].position);
            ++m;
        }
        auto a = std::chrono::steady_clock::now();
        online.add_sweep(s.time_s, s.position, s.h_latency_ms, s.excluded);
        auto b = std::chrono::steady_clock::now();
        const double cpu0 = cpu_ms();
        sink += online.update().n_fair;
        update_ms.push_back(cpu_ms() - cpu0);
        add_ns.push_back(std::chrono::duration<double, std::nano>(b - a).count());
    }
    std::sort(add_ns.begin(), add_ns.end());
    std::printf("  FairOnline::add_sweep over a 30-sweep leg: median %.0f ns, max %.0f ns (wall)\n",
                add_ns[add_ns.size() / 2], add_ns.back());
    std::printf("  FairOnline::update after each sweep: after the 30th %.2f ms, max %.2f ms (CPU)\n", update_ms.back(),
                *std::max_element(update_ms.begin(), update_ms.end()));

    if (legs == 0) {
        std::printf("(checksum %g)\n", sink);
        return 0;
    }
    std::printf("\n5. End to end: simulate_h_reflex (H jitter 0.3 ms, default noise) -> measure_h_reflex -> FAIR, tau 1 s\n");
    std::printf("   %-4s %5s %9s %12s %12s %9s %12s %12s %14s\n", "D_ms", "legs", "analysed", "no_verdict",
                "threw", "positive", "median|err|", "CI95_covers", "measure+FAIR");
    const int e2e_legs = std::max(legs / 4, 50);
    for (const double d : {0.0, 2.5}) {
        int analysed = 0, insufficient = 0, threw = 0, pos = 0, covered = 0;
        std::vector<double> err, ms;
        for (int i = 0; i < e2e_legs; ++i) {
            sim::HReflexConfig cfg;
            cfg.name = "soleus_h_left";
            cfg.side = "left";
            cfg.h_jitter_sd_ms = 0.3;
            cfg.fair.delay_ms = d;
            cfg.fair.onset_tau_s = 1.0;
            const auto s = sim::simulate_h_reflex(cfg, 500000 + static_cast<std::uint64_t>(i));
            try {
                const auto a = std::chrono::steady_clock::now();
                const FairAnalysis f = analyze_fair_recording(s.recording, s.recording.info.subject);
                ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - a).count());
                if (f.estimate.status != FairStatus::ok) {
                    ++insufficient;
                    continue;
                }
                ++analysed;
                pos += *f.estimate.positive;
                covered += *f.estimate.ci95_lo_ms <= d && d <= *f.estimate.ci95_hi_ms;
                err.push_back(std::abs(*f.estimate.delay_ms - d));
            } catch (const std::exception&) {
                ++threw;
            }
        }
        std::sort(ms.begin(), ms.end());
        std::printf("   %-4.1f %5d %9d %12d %12d %8.1f%% %12.3f %11.1f%% %11.2f ms\n", d, e2e_legs, analysed,
                    insufficient, threw, pct(pos, analysed), median(err), pct(covered, analysed),
                    ms.empty() ? std::nan("") : ms[ms.size() / 2]);
    }
    std::printf("(checksum %g)\n", sink);
    return 0;
}
