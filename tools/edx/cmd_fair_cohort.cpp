// edx fair-cohort --out DIR [--subjects N] [...]: writes a simulated FAIR
// cohort (edx/study/fair_cohort_sim.hpp) with its manifest, to try
// `edx fair-study` on data whose truth is known.
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "cli.hpp"
#include "edx/study/fair_cohort_sim.hpp"

namespace edx::cli {

int run_fair_cohort(const std::vector<std::string>& args) {
    study::FairCohortSpec d;
    po::options_description options("options");
    options.add_options()("out", po::value<std::string>(), "folder to write (recordings/, manifest.csv, cohort_truth.json)")(
        "subjects", po::value<int>()->default_value(d.subjects), "number of subjects")(
        "prevalence", po::value<double>()->default_value(d.prevalence), "share of reference-positive subjects")(
        "retest-fraction", po::value<double>()->default_value(d.retest_fraction),
        "chance that a subject has a second session")(
        "false-positive-rate", po::value<double>()->default_value(d.false_positive_rate),
        "chance that a reference negative shows an affected-size delay (the literature's 1 - specificity: 0.168)")(
        "sweeps", po::value<int>()->default_value(d.fair_sweeps_per_position), "sweeps per position")(
        "seed", po::value<std::uint64_t>()->default_value(d.seed), "random seed")(
        "threads", po::value<int>()->default_value(0), "subjects simulated in parallel (0: one per core)");
    const auto vm = parse(args, "edx fair-cohort --out DIR [--subjects N] [--prevalence P] [--retest-fraction F] "
                                "[--false-positive-rate R] [--sweeps N] [--seed S] [--threads N]",
                          "Writes a simulated cohort for `edx fair-study`: one file per subject and session with\n"
                          "the symptomatic leg's soleus H-reflex under the FAIR protocol, a manifest and the truth.\n"
                          "Reference positives (sciatic entrapment) get a FAIR delay drawn from 2.66 +/- 0.68 ms\n"
                          "[Fish92, Fish02], the others a control delay 0.36 +/- 0.5 ms [Fish92]; symptom durations\n"
                          "1-12 months (an assumption). A simulation for trying the tool, not evidence.",
                          options);
    if (!vm) return 0;
    if (!vm->count("out")) throw UsageError("missing --out DIR");
    study::FairCohortSpec spec;
    spec.subjects = vm->at("subjects").as<int>();
    spec.prevalence = vm->at("prevalence").as<double>();
    spec.retest_fraction = vm->at("retest-fraction").as<double>();
    spec.false_positive_rate = vm->at("false-positive-rate").as<double>();
    spec.fair_sweeps_per_position = vm->at("sweeps").as<int>();
    spec.seed = vm->at("seed").as<std::uint64_t>();
    spec.threads = vm->at("threads").as<int>();
    try {
        spec.validate();
    } catch (const std::invalid_argument& e) {
        throw UsageError(e.what());
    }
    const study::FairCohort cohort = study::write_fair_cohort(vm->at("out").as<std::string>(), spec);
    std::size_t positives = 0;
    for (const auto& s : cohort.subjects) positives += s.reference_positive;
    std::cout << "wrote " << cohort.files << " recordings of " << cohort.subjects.size() << " subjects ("
              << positives << " reference positive)\n"
              << "manifest " << cohort.manifest.string() << "\ntruth    " << cohort.truth.string() << "\n";
    return 0;
}

}  // namespace edx::cli
