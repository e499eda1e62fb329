// Test support shared by the emg tests and tools/bench/bench_emg.cpp: scoring
// the analysis against the simulator's truth (every discharge with its class,
// source and amplitude) and against an expert decomposition, the same way
// everywhere.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "edx/emg/spontaneous_activity.hpp"

namespace edx::test {

struct ClassScore {
    int tp = 0, fp = 0, fn = 0;
    double precision() const { return tp + fp > 0 ? static_cast<double>(tp) / (tp + fp) : 1.0; }
    double recall() const { return tp + fn > 0 ? static_cast<double>(tp) / (tp + fn) : 1.0; }
    double f1() const {
        const double p = precision(), r = recall();
        return p + r > 0.0 ? 2.0 * p * r / (p + r) : 0.0;
    }
    ClassScore& operator+=(const ClassScore& o) {
        tp += o.tp;
        fp += o.fp;
        fn += o.fn;
        return *this;
    }
};

// Detected discharges of `kind` against the truth's discharges of that class
// with amplitude in [min_uv, max_uv), within [from_s, to_s). Detections and
// truth discharges are paired one to one, nearest first, within tolerance_s.
// tp: a truth discharge in the band paired with a detection of the kind; fn:
// one in the band not paired or paired with another kind; fp: a detection of
// the kind paired with nothing or with a discharge of another class (one
// paired with the class outside the band counts neither way).
ClassScore score_class(const emg::SpontaneousResult& result, const nlohmann::json& truth, emg::SpontaneousClass kind,
                       double min_uv, double max_uv, double from_s, double to_s, double tolerance_s = 0.002);

// The truth's discharge times of one source (a unit "mu3" or a train "sp2") within [from_s, to_s).
std::vector<double> source_times(const nlohmann::json& truth, const std::string& source, double from_s, double to_s);

// How many of `truth_s` have a discharge of `found_s` within tolerance_s, after
// shifting found_s by the median of the nearest differences within 3 ms (a
// constant offset between where the two mark a discharge).
struct TimeMatch {
    std::size_t matched = 0;
    double offset_s = 0.0;
};
TimeMatch match_times(const std::vector<double>& truth_s, const std::vector<double>& found_s, double tolerance_s);

// Correlation of two waveforms at their best lag within +/- max_lag samples
// (b sampled `ratio` times finer than a; a's samples are compared with every
// ratio-th of b's), over a's samples [a_ref - before, a_ref + after].
double best_correlation(const std::vector<double>& a, std::size_t a_ref, const std::vector<double>& b, std::size_t b_ref,
                        int ratio, int before, int after, int max_lag);

}  // namespace edx::test
