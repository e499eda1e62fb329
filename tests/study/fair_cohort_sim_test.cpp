#include <catch2/catch.hpp>

#include <fstream>

#include <nlohmann/json.hpp>

#include "edx/study/fair_cohort_sim.hpp"
#include "edx/study/fair_study.hpp"
#include "io/hdf5_test_file.hpp"

using namespace edx::study;

TEST_CASE("a simulated cohort: files and manifest the study reads, delays near the truth", "[study][cohort]") {
    edx::test::TempDir dir;
    FairCohortSpec spec;
    spec.subjects = 8;
    spec.prevalence = 0.5;
    spec.retest_fraction = 0.5;
    spec.fair_sweeps_per_position = 8;
    spec.seed = 42;
    spec.fair_onset_tau_s = 1.0;  // the plateau within the first FAIR sweeps, so it is the truth to compare with
    const FairCohort cohort = write_fair_cohort(dir.path(), spec);
    REQUIRE(cohort.subjects.size() == 8);
    int positives = 0, sessions = 0;
    for (const auto& s : cohort.subjects) {
        positives += s.reference_positive;
        sessions += s.sessions;
    }
    REQUIRE(positives == 4);  // exactly round(prevalence x subjects)
    REQUIRE(cohort.files == static_cast<std::size_t>(sessions));

    const FairManifest manifest = read_fair_manifest(cohort.manifest);
    REQUIRE(manifest.rejected.empty());
    REQUIRE(manifest.rows.size() == static_cast<std::size_t>(sessions));
    FairStudyOptions options;
    options.youden.resamples = 200;
    const FairStudyResult r = run_fair_study(manifest, options);
    REQUIRE(r.counts.rejected == 0);
    REQUIRE(r.counts.subjects == 8);
    // Each measured delay within 0.6 ms of the delay the simulator applied
    // (8 sweeps per position, sweep jitter and noise; onset in 1 s).
    for (const auto& row : r.rows) {
        const auto& truth = *std::find_if(cohort.subjects.begin(), cohort.subjects.end(),
                                          [&](const FairCohortSubject& s) { return s.subject == row.subject; });
        INFO(row.subject << " session " << row.session << ": true " << truth.true_delay_ms);
        REQUIRE(row.reference_positive == truth.reference_positive);
        REQUIRE(row.recording == truth.recording);
        REQUIRE(*row.symptom_duration_months == truth.symptom_duration_months);
        REQUIRE(row.delay_ms.has_value());
        REQUIRE(*row.delay_ms == Approx(truth.true_delay_ms).margin(0.6));
    }
    std::ifstream t(cohort.truth);
    const auto truth = nlohmann::json::parse(t);
    REQUIRE(truth.at("subjects").size() == 8);
}

TEST_CASE("a simulated cohort is the same whatever the thread count", "[study][cohort]") {
    edx::test::TempDir a, b;
    FairCohortSpec spec;
    spec.subjects = 3;
    spec.retest_fraction = 0.0;
    spec.fair_sweeps_per_position = 5;
    spec.threads = 1;
    const auto one = write_fair_cohort(a.path(), spec);
    spec.threads = 2;
    const auto two = write_fair_cohort(b.path(), spec);
    for (std::size_t i = 0; i < one.subjects.size(); ++i) {
        REQUIRE(one.subjects[i].true_delay_ms == two.subjects[i].true_delay_ms);
        REQUIRE(one.subjects[i].side == two.subjects[i].side);
    }
    const auto ma = read_fair_manifest(one.manifest);
    const auto mb = read_fair_manifest(two.manifest);
    const auto ra = measure_rows(ma.rows, {}, 1);
    const auto rb = measure_rows(mb.rows, {}, 1);
    for (std::size_t i = 0; i < ra.size(); ++i) REQUIRE(ra[i].estimate.delay_ms == rb[i].estimate.delay_ms);
    FairCohortSpec none;
    none.subjects = 0;
    REQUIRE_THROWS_WITH(write_fair_cohort(a.path(), none), Catch::Contains("subjects"));
}
