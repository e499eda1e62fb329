#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "cli/edx_runner.hpp"
#include "edx/io/layout_writer.hpp"
#include "edx/sim/f_wave_sim.hpp"
#include "edx/sim/h_reflex_sim.hpp"
#include "io/hdf5_test_file.hpp"

using namespace edx::test;

namespace {

// A soleus H-reflex under the FAIR protocol with the given delay (`sweeps` per position).
edx::Recording h_reflex(double delay_ms, std::uint64_t seed, const std::string& side, int sweeps = 8,
                        bool fair = true) {
    edx::sim::HReflexConfig h;
    h.name = "soleus_h_" + side;
    h.side = side;
    h.leg_length_cm = 38.0;
    h.age_years = 50.0;
    h.phases = fair ? edx::sim::fair_protocol(sweeps) : std::vector<edx::sim::HReflexPhase>{{"anatomic", 12, {}, {}, 5.0}};
    h.fair.delay_ms = delay_ms;
    h.fair.onset_tau_s = 1.0;
    return edx::sim::simulate_h_reflex(h, seed).recording;
}

void write(const std::filesystem::path& path, std::vector<edx::Recording> recordings) {
    edx::Study s;
    s.subject_id = path.stem().string();
    s.subject.leg_length_cm = 38.0;
    s.subject.age_years = 50.0;
    s.recordings = std::move(recordings);
    edx::write_study(s, path);
}

// p0.h5, n1.h5, ...; built with += because GCC 12 warns falsely (-Wrestrict) on "p" + std::to_string(i).
std::string file_name(char prefix, int i) {
    std::string s(1, prefix);
    s += std::to_string(i);
    s += ".h5";
    return s;
}

// A study folder: six subjects with a delay (one with a retest), and a row
// for every way a row can go wrong. Returns the manifest's path.
std::filesystem::path make_study(const TempDir& dir) {
    std::filesystem::create_directories(dir / "rec");
    const double positive[] = {2.9, 2.5, 3.2};
    const double negative[] = {0.2, 0.5, 0.1};
    for (int i = 0; i < 3; ++i) {
        write(dir / "rec" / file_name('p', i), {h_reflex(positive[i], 100 + i, "left")});
        write(dir / "rec" / file_name('n', i), {h_reflex(negative[i], 200 + i, "right")});
    }
    write(dir / "rec" / "p0_retest.h5", {h_reflex(positive[0], 300, "left")});
    write(dir / "rec" / "both.h5", {h_reflex(2.0, 400, "left"), h_reflex(0.3, 401, "right")});
    edx::sim::FWaveConfig f;
    write(dir / "rec" / "other.h5", {h_reflex(0.0, 500, "left", 8, false), edx::sim::simulate_f_wave(f, 501).recording});
    write(dir / "rec" / "short.h5", {h_reflex(2.0, 600, "left", 3)});
    {
        std::ofstream junk(dir / "rec" / "junk.h5");
        junk << "not an HDF5 file\n";
    }
    const auto manifest = dir / "manifest.csv";
    std::ofstream m(manifest);
    m << "subject,file,recording,reference,symptom_duration_months,session\n"    // 1
         "P0,rec/p0.h5,soleus_h_left,deep_gluteal_syndrome,6,1\n"                // 2
         "P1,rec/p1.h5,,piriformis_syndrome,12.5,1\n"                            // 3 recording found
         "P2,\"rec/p2.h5\",soleus_h_left,positive,3,1\n"                         // 4 quoted
         "N0,rec/n0.h5,soleus_h_right,lumbosacral_radiculopathy,8,1\n"           // 5
         "N1,rec/n1.h5,soleus_h_right,other,2,1\n"                               // 6
         "N2,rec/n2.h5,soleus_h_right,control,,1\n"                              // 7
         "P0,rec/p0_retest.h5,soleus_h_left,deep_gluteal_syndrome,6.5,2\n"       // 8 retest
         "X1,rec/p1.h5,soleus_h_left,positive,4\n"                               // 9 too few fields
         ",rec/p1.h5,soleus_h_left,positive,4,1\n"                               // 10 empty subject
         "X3,rec/p1.h5,soleus_h_left,positive,four,1\n"                          // 11 bad number
         "X4,rec/missing.h5,soleus_h_left,positive,4,1\n"                        // 12 missing file
         "X5,rec/junk.h5,soleus_h_left,positive,4,1\n"                           // 13 unreadable file
         "X6,rec/p1.h5,soleus_h_right,positive,4,1\n"                            // 14 recording not found
         "X7,rec/other.h5,tibial_f_wave,negative,4,1\n"                          // 15 not an H-reflex
         "X8,rec/other.h5,soleus_h_left,negative,4,1\n"                          // 16 no FAIR marker
         "X9,rec/both.h5,,negative,4,1\n"                                        // 17 two FAIR recordings
         "X10,rec/p1.h5,soleus_h_left,probable,4,1\n"                            // 18 unknown reference
         "P1,rec/p1.h5,,piriformis_syndrome,12.5,1\n"                            // 19 duplicate session
         "X11,rec/short.h5,soleus_h_left,positive,4,1\n";                        // 20 indeterminate
    return manifest;
}

const nlohmann::json* rejected_line(const nlohmann::json& doc, int line) {
    for (const auto& r : doc.at("rejected")) {
        if (r.at("line") == line) return &r;
    }
    return nullptr;
}

}  // namespace

TEST_CASE("edx fair-study: every bad row is reported with its line and reason, the study runs on the others",
          "[cli][fair_study]") {
    TempDir dir;
    const auto manifest = make_study(dir);
    const auto run = run_edx(dir.path(), "fair-study --json " + shell_quoted(manifest.string()));
    INFO(run.err);
    REQUIRE(run.status == 0);
    const auto doc = nlohmann::json::parse(run.out);
    const auto& c = doc.at("counts");
    REQUIRE(c.at("manifest_rows") == 19);
    REQUIRE(c.at("measured") == 7);
    REQUIRE(c.at("indeterminate") == 1);
    REQUIRE(c.at("rejected") == 11);
    REQUIRE(c.at("subjects") == 7);
    REQUIRE(c.at("subjects_with_delay") == 6);
    REQUIRE(c.at("subjects_indeterminate") == 1);
    REQUIRE(c.at("retest_pairs") == 1);
    const std::pair<int, const char*> expected[] = {
        {9, "has 5 fields; the header has 6"},
        {10, "subject is empty"},
        {11, "symptom_duration_months 'four'"},
        {12, "file not found"},
        {13, "junk.h5"},
        {14, "no recording 'soleus_h_right' in the file"},
        {15, "is f_wave, not h_reflex"},
        {16, "has no position=fair marker"},
        {17, "2 h_reflex recordings with the FAIR protocol"},
        {18, "reference 'probable' is not a known label"},
        {19, "session 1 is already on line 3"},
    };
    for (const auto& [line, reason] : expected) {
        INFO("line " << line);
        const auto* r = rejected_line(doc, line);
        REQUIRE(r != nullptr);
        REQUIRE_THAT(r->at("reason").get<std::string>(), Catch::Contains(reason));
    }
    // The rows: the recording found when not named, the indeterminate row with its reason.
    for (const auto& row : doc.at("rows")) {
        if (row.at("subject") == "P1") REQUIRE(row.at("recording") == "soleus_h_left");
        if (row.at("subject") == "X11") {
            REQUIRE(row.at("outcome") == "indeterminate");
            REQUIRE(row.at("delay_ms").is_null());
            REQUIRE(!row.at("indeterminate_reason").get<std::string>().empty());
        }
    }
    // Every statistic with its interval.
    REQUIRE(doc.at("accuracy").at("sensitivity").at("trials") == 3);
    REQUIRE(doc.at("accuracy").at("specificity").at("trials") == 3);
    REQUIRE(doc.at("accuracy").at("sensitivity").at("proportion") == 1.0);
    REQUIRE(doc.at("accuracy").at("specificity").at("proportion") == 1.0);
    REQUIRE(doc.at("roc").at("auc") == 1.0);
    REQUIRE(doc.at("youden_cutoff").at("cutoff_ci").size() == 2);
    REQUIRE(doc.at("symptom_duration_correlation").at("all").at("n") == 5);  // N2 has no duration
    REQUIRE(doc.at("symptom_duration_correlation").at("reference_positive").at("n") == 3);
    REQUIRE(doc.at("test_retest").at("pairs").size() == 1);
    REQUIRE(doc.at("unavailable").contains("retest_icc"));  // one pair is not enough
    REQUIRE(doc.at("sample_size").at("prevalence_from") == "study");
    REQUIRE(doc.at("sample_size").at("buderer").at("subjects").get<int>() > 0);
    REQUIRE(doc.at("notice").get<std::string>().find("not a diagnosis") != std::string::npos);
    // Progress on stderr: the 14 rows that passed the manifest's checks are analysed; 5 + 6 rows rejected.
    REQUIRE_THAT(run.err, Catch::Contains("fair-study: 14/14 recordings analysed, 11 rows rejected, 1 indeterminate"));
}

TEST_CASE("edx fair-study: each row's delay equals edx fair on that recording", "[cli][fair_study]") {
    TempDir dir;
    const auto manifest = make_study(dir);
    const auto study = run_edx(dir.path(), "fair-study --json " + shell_quoted(manifest.string()));
    REQUIRE(study.status == 0);
    const auto doc = nlohmann::json::parse(study.out);
    int compared = 0;
    for (const auto& row : doc.at("rows")) {
        if (row.at("delay_ms").is_null()) continue;
        const auto fair = run_edx(dir.path(), "fair --json " + shell_quoted((dir / row.at("file").get<std::string>()).string()));
        REQUIRE(fair.status == 0);
        const auto analysed = nlohmann::json::parse(fair.out);
        for (const auto& r : analysed.at("recordings")) {
            if (r.at("name") != row.at("recording")) continue;
            INFO(row.at("subject") << " " << row.at("recording"));
            REQUIRE(r.at("delay_ms") == row.at("delay_ms"));
            REQUIRE(r.at("delay_ci95_ms") == row.at("delay_ci95_ms"));
            ++compared;
        }
    }
    REQUIRE(compared == 7);
}

TEST_CASE("edx fair-study: one thread and two give the same document, and the text names the rejected lines",
          "[cli][fair_study]") {
    TempDir dir;
    const auto manifest = make_study(dir);
    const auto one = run_edx(dir.path(), "fair-study --json --threads 1 " + shell_quoted(manifest.string()));
    const auto two = run_edx(dir.path(), "fair-study --json --threads 2 " + shell_quoted(manifest.string()));
    REQUIRE(one.status == 0);
    REQUIRE(two.status == 0);
    REQUIRE(one.out == two.out);
    const auto text = run_edx(dir.path(), "fair-study --rows --precision 0.1 --prevalence 0.19 " +
                                              shell_quoted(manifest.string()));
    INFO(text.out << text.err);
    REQUIRE(text.status == 0);
    for (const char* expected : {"decision support, not a diagnosis", "sensitivity  1.000 (3/3)", "AUC 1.000",
                                 "Youden-optimal cut-off", "212 subjects at prevalence 0.190 (--prevalence)",
                                 "line 13 (X5): ", "line 9: has 5 fields", "(retest)", "indeterminate"}) {
        REQUIRE_THAT(text.out, Catch::Contains(expected));
    }
}

TEST_CASE("edx fair-study: a manifest that cannot be read at all, or a bad option, is exit status 2",
          "[cli][fair_study]") {
    TempDir dir;
    const auto missing = run_edx(dir.path(), "fair-study " + shell_quoted((dir / "none.csv").string()));
    REQUIRE(missing.status == 2);
    REQUIRE_THAT(missing.err, Catch::Contains("none.csv: no such file"));
    {
        std::ofstream bad(dir / "bad.csv");
        bad << "subject,file,diagnosis\nS1,a.h5,positive\n";
    }
    const auto bad = run_edx(dir.path(), "fair-study " + shell_quoted((dir / "bad.csv").string()));
    REQUIRE(bad.status == 2);
    REQUIRE_THAT(bad.err, Catch::Contains("line 1 (header): column 'diagnosis' is not a manifest column"));
    REQUIRE(run_edx(dir.path(), "fair-study " + shell_quoted((dir / "bad.csv").string()) + " --precision 0").status ==
            2);
    REQUIRE(run_edx(dir.path(), "fair-study").status == 2);
}

TEST_CASE("edx fair-cohort writes a cohort fair-study reads without a rejected row", "[cli][fair_study]") {
    TempDir dir;
    const auto made = run_edx(dir.path(), "fair-cohort --out " + shell_quoted((dir / "c").string()) +
                                              " --subjects 6 --sweeps 6 --retest-fraction 0.5 --seed 9");
    INFO(made.err);
    REQUIRE(made.status == 0);
    REQUIRE_THAT(made.out, Catch::Contains("6 subjects (3 reference positive)"));
    const auto run = run_edx(dir.path(), "fair-study --json " + shell_quoted((dir / "c" / "manifest.csv").string()));
    REQUIRE(run.status == 0);
    const auto doc = nlohmann::json::parse(run.out);
    REQUIRE(doc.at("counts").at("rejected") == 0);
    REQUIRE(doc.at("counts").at("subjects") == 6);
    REQUIRE(run_edx(dir.path(), "fair-cohort --out " + shell_quoted((dir / "d").string()) + " --subjects 0").status ==
            2);
}

TEST_CASE("edx fair-study on the documented example manifest: the DGS subject is test positive, the others not",
          "[cli][fair_study]") {
    TempDir dir;
    const auto manifest = std::filesystem::path(EDX_SOURCE_DIR) / "signals" / "examples" / "fair_study_manifest.csv";
    const auto run = run_edx(dir.path(), "fair-study --json " + shell_quoted(manifest.string()));
    INFO(run.err);
    REQUIRE(run.status == 0);
    const auto doc = nlohmann::json::parse(run.out);
    REQUIRE(doc.at("counts").at("measured") == 3);
    REQUIRE(doc.at("counts").at("rejected") == 0);
    for (const auto& row : doc.at("rows")) {
        INFO(row.dump());
        REQUIRE(row.at("test_positive") == (row.at("subject") == "EX-DGS-01"));
        REQUIRE(row.at("reference_positive") == (row.at("subject") == "EX-DGS-01"));
    }
}
