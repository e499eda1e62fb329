#include <catch2/catch.hpp>

#include <fstream>
#include <mutex>

#include "edx/evoked/fair_recording.hpp"
#include "edx/io/layout_reader.hpp"
#include "edx/sim/f_wave_sim.hpp"
#include "edx/study/fair_row_measurement.hpp"
#include "io/hdf5_test_file.hpp"
#include "study/fair_files.hpp"

using namespace edx::study;
using edx::study::test::fair_recording;
using edx::study::test::write_recordings;

namespace {

ManifestRow row_for(const std::filesystem::path& path, const std::string& recording = "") {
    ManifestRow r;
    r.line = 2;
    r.subject = "T";
    r.file = path.filename().string();
    r.path = path;
    r.recording = recording;
    r.reference = "positive";
    r.reference_positive = true;
    return r;
}

}  // namespace

TEST_CASE("a row's delay is the one edx fair measures on the same recording", "[study][measurement]") {
    edx::test::TempDir dir;
    const auto path = dir / "a.h5";
    write_recordings(path, {fair_recording(2.8, 11, "left"), fair_recording(0.3, 12, "right")});
    const edx::evoked::FairOptions options;
    // What cmd_fair does: measure_h_reflex with the study's anthropometrics, then analyze_fair.
    const edx::LayoutReader reader(path);
    for (const std::string name : {"soleus_h_left", "soleus_h_right"}) {
        const auto recording = reader.read(name);
        const auto expected =
            edx::evoked::analyze_fair_recording(recording, reader.study_info().measures_for(recording), options);
        const RowMeasurement m = measure_row(row_for(path, name), options);
        INFO(name << ": " << m.reason);
        REQUIRE(m.outcome == RowOutcome::measured);
        REQUIRE(m.recording == name);
        REQUIRE(m.side == expected.side);
        REQUIRE(*m.estimate.delay_ms == *expected.estimate.delay_ms);
        REQUIRE(*m.estimate.ci95_lo_ms == *expected.estimate.ci95_lo_ms);
        REQUIRE(*m.estimate.ci95_hi_ms == *expected.estimate.ci95_hi_ms);
        REQUIRE(*m.estimate.p_value == *expected.estimate.p_value);
    }
    // The simulated delays are recovered (within 0.6 ms: 8 sweeps per position, sweep jitter, noise).
    REQUIRE(*measure_row(row_for(path, "soleus_h_left"), options).estimate.delay_ms == Approx(2.8).margin(0.6));
    REQUIRE(*measure_row(row_for(path, "soleus_h_right"), options).estimate.delay_ms == Approx(0.3).margin(0.6));
}

TEST_CASE("a row without a recording name uses the file's only FAIR recording, and refuses to guess between two",
          "[study][measurement]") {
    edx::test::TempDir dir;
    edx::sim::FWaveConfig f;
    write_recordings(dir / "one.h5", {fair_recording(2.0, 21, "right"), edx::sim::simulate_f_wave(f, 3).recording});
    write_recordings(dir / "two.h5", {fair_recording(2.0, 22, "left"), fair_recording(0.5, 23, "right")});
    const auto one = measure_row(row_for(dir / "one.h5"), {});
    REQUIRE(one.outcome == RowOutcome::measured);
    REQUIRE(one.recording == "soleus_h_right");
    const auto two = measure_row(row_for(dir / "two.h5"), {});
    REQUIRE(two.outcome == RowOutcome::rejected);
    REQUIRE_THAT(two.reason, Catch::Contains("2 h_reflex recordings with the FAIR protocol") &&
                                 Catch::Contains("soleus_h_left, soleus_h_right"));
}

TEST_CASE("each way a row can fail gives a rejected row with the reason, never an exception",
          "[study][measurement]") {
    edx::test::TempDir dir;
    edx::sim::HReflexConfig no_fair;
    no_fair.name = "soleus_h_left";
    no_fair.phases = {{"anatomic", 10, {}, {}, 5.0}};
    edx::sim::FWaveConfig f;
    write_recordings(dir / "mixed.h5", {edx::sim::simulate_h_reflex(no_fair, 5).recording,
                                        edx::sim::simulate_f_wave(f, 6).recording});
    {
        std::ofstream junk(dir / "junk.h5");
        junk << "this is not HDF5\n";
    }
    struct Case {
        std::filesystem::path file;
        std::string recording;
        std::string reason;
    };
    const Case cases[] = {
        {dir / "missing.h5", "", "file not found"},
        {dir / "junk.h5", "", "junk.h5"},  // the reader's InputError names the file
        {dir / "mixed.h5", "soleus_h_right", "no recording 'soleus_h_right' in the file (it has: "},
        {dir / "mixed.h5", "tibial_f_wave", "is f_wave, not h_reflex"},
        {dir / "mixed.h5", "soleus_h_left", "has no position=fair marker"},
        {dir / "mixed.h5", "", "no h_reflex recording with a position=fair marker"},
    };
    for (const auto& c : cases) {
        INFO(c.file << " " << c.recording);
        const auto m = measure_row(row_for(c.file, c.recording), {});
        REQUIRE(m.outcome == RowOutcome::rejected);
        REQUIRE_THAT(m.reason, Catch::Contains(c.reason));
    }
}

TEST_CASE("too few sweeps for a delay make the row indeterminate with the analysis's reason",
          "[study][measurement]") {
    edx::test::TempDir dir;
    write_recordings(dir / "short.h5", {fair_recording(2.5, 31, "left", 3)});
    const auto m = measure_row(row_for(dir / "short.h5"), {});
    REQUIRE(m.outcome == RowOutcome::indeterminate);
    REQUIRE(!m.reason.empty());
    REQUIRE(!m.estimate.delay_ms);
    REQUIRE(m.estimate.status == edx::evoked::FairStatus::insufficient_data);
}

TEST_CASE("rows measured on two threads equal the rows measured on one, and progress counts every row",
          "[study][measurement]") {
    edx::test::TempDir dir;
    std::vector<ManifestRow> rows;
    for (int i = 0; i < 4; ++i) {
        const auto path = dir / ("s" + std::to_string(i) + ".h5");
        write_recordings(path, {fair_recording(0.5 + 0.7 * i, 40 + static_cast<std::uint64_t>(i))});
        rows.push_back(row_for(path));
        rows.back().line = static_cast<std::size_t>(i + 2);
    }
    rows.push_back(row_for(dir / "absent.h5"));
    std::vector<MeasurementProgress> seen;
    const auto one = measure_rows(rows, {}, 1);
    const auto two = measure_rows(rows, {}, 2, [&](const MeasurementProgress& p) { seen.push_back(p); });
    REQUIRE(one.size() == rows.size());
    for (std::size_t i = 0; i < rows.size(); ++i) {
        REQUIRE(one[i].outcome == two[i].outcome);
        REQUIRE(one[i].estimate.delay_ms == two[i].estimate.delay_ms);
        REQUIRE(one[i].estimate.ci95_lo_ms == two[i].estimate.ci95_lo_ms);
    }
    REQUIRE(one.back().outcome == RowOutcome::rejected);
    REQUIRE(seen.size() == rows.size());
    for (std::size_t i = 0; i < seen.size(); ++i) REQUIRE(seen[i].done == i + 1);
    REQUIRE(seen.back().total == rows.size());
    REQUIRE(seen.back().rejected == 1);
}
