#include "long_series_case.hpp"

#include "edx/analysis/study_analysis.hpp"
#include "edx/sim/h_reflex_sim.hpp"

namespace edx::test {

report::CaseReportInput LongSeriesCase::input() const {
    report::CaseReportInput in;
    in.document = &document;
    in.study = &study;
    in.source = "simulated";
    return in;
}

LongSeriesCase long_series_case(int sweeps, std::uint64_t seed, const std::string& subject) {
    sim::HReflexConfig config;
    config.name = "soleus_h_left";
    config.phases = {sim::HReflexPhase{"anatomic", sweeps, {}, {}, 5.0}};
    config.inter_stimulus_s = 0.5;
    LongSeriesCase c;
    c.study.subject_id = subject;
    c.study.recordings.push_back(sim::simulate_h_reflex(config, seed).recording);
    c.study.recordings.back().markers.clear();
    c.document = analysis::results_document(analysis::analyse_study(c.study));
    c.document["file"] = "simulated study of " + std::to_string(sweeps) + " sweeps";
    c.document["diagnosis"] = nullptr;
    return c;
}

}  // namespace edx::test
