#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "edx/io/input_error.hpp"
#include "edx/study/fair_manifest.hpp"
#include "io/hdf5_test_file.hpp"

using namespace edx::study;

namespace {

FairManifest parse(const std::string& text, const std::filesystem::path& base = "/data/study") {
    std::istringstream in(text);
    return parse_fair_manifest(in, "manifest.csv", base);
}

const RejectedRow& rejected_at(const FairManifest& m, std::size_t line) {
    for (const auto& r : m.rejected) {
        if (r.line == line) return r;
    }
    FAIL("line " << line << " was not rejected");
    return m.rejected.front();
}

}  // namespace

TEST_CASE("manifest: every column read, paths resolved against the manifest's folder", "[study][manifest]") {
    const auto m = parse(
        "subject,file,recording,reference,symptom_duration_months,session\n"
        "P01,p01.h5,soleus_h_left,deep_gluteal_syndrome,14.5,1\n"
        "P01,p01_retest.h5,soleus_h_left,deep_gluteal_syndrome,15,2\n"
        "\"C,02\",/abs/c02.h5,,Control,,\n");
    REQUIRE(m.data_rows == 3);
    REQUIRE(m.rejected.empty());
    REQUIRE(m.rows.size() == 3);
    const auto& a = m.rows[0];
    REQUIRE(a.line == 2);
    REQUIRE(a.subject == "P01");
    REQUIRE(a.path == std::filesystem::path("/data/study/p01.h5"));
    REQUIRE(a.recording == "soleus_h_left");
    REQUIRE(a.reference_positive);
    REQUIRE(*a.symptom_duration_months == 14.5);
    REQUIRE(a.session == 1);
    REQUIRE(m.rows[1].session == 2);
    const auto& c = m.rows[2];
    REQUIRE(c.subject == "C,02");
    REQUIRE(c.path == std::filesystem::path("/abs/c02.h5"));
    REQUIRE(c.recording.empty());
    REQUIRE(c.reference == "control");
    REQUIRE(!c.reference_positive);
    REQUIRE(!c.symptom_duration_months);
    REQUIRE(c.session == 1);
}

TEST_CASE("manifest: columns in any order, optional ones may be absent, names case-insensitive",
          "[study][manifest]") {
    const auto m = parse("Reference,FILE,subject\npositive,x.h5,S9\n");
    REQUIRE(m.rows.size() == 1);
    REQUIRE(m.rows[0].subject == "S9");
    REQUIRE(m.rows[0].file == "x.h5");
    REQUIRE(m.rows[0].reference_positive);
    REQUIRE(m.rows[0].session == 1);
}

TEST_CASE("manifest: each bad row is kept with its line number and reason, and the others are read",
          "[study][manifest]") {
    const auto m = parse(
        "subject,file,recording,reference,symptom_duration_months,session\n"  // 1
        "S1,a.h5,,positive,3,1\n"                                            // 2 ok
        "S2,b.h5,,positive,3\n"                                              // 3 too few fields
        ",c.h5,,negative,3,1\n"                                              // 4 empty subject
        "S4,,,negative,3,1\n"                                                // 5 empty file
        "S5,e.h5,,maybe,3,1\n"                                               // 6 unknown reference
        "S6,f.h5,,negative,three,1\n"                                        // 7 bad number
        "S7,g.h5,,negative,-1,1\n"                                           // 8 negative duration
        "S8,h.h5,,negative,4,0\n"                                            // 9 bad session
        "S9,i.h5,,negative,4,1.5\n"                                          // 10 bad session
        "S1,j.h5,,positive,3,1\n"                                            // 11 duplicate session
        "S1,k.h5,,negative,3,2\n"                                            // 12 reference differs
        "S10,\"l.h5,,negative,3,1\n"                                         // 13 unclosed quote
        "S11,m.h5,,negative,nan,1\n"                                         // 14 not finite
        "S12,n.h5,,other,,2\n");                                             // 15 ok
    REQUIRE(m.data_rows == 14);
    REQUIRE(m.rows.size() == 2);
    REQUIRE(m.rows[0].line == 2);
    REQUIRE(m.rows[1].line == 15);
    REQUIRE(m.rejected.size() == 12);
    REQUIRE_THAT(rejected_at(m, 3).reason, Catch::Contains("has 5 fields; the header has 6"));
    REQUIRE_THAT(rejected_at(m, 4).reason, Catch::Contains("subject is empty"));
    REQUIRE_THAT(rejected_at(m, 5).reason, Catch::Contains("file is empty"));
    REQUIRE_THAT(rejected_at(m, 6).reason, Catch::Contains("reference 'maybe' is not a known label"));
    REQUIRE_THAT(rejected_at(m, 7).reason, Catch::Contains("symptom_duration_months 'three'"));
    REQUIRE_THAT(rejected_at(m, 8).reason, Catch::Contains("symptom_duration_months '-1'"));
    REQUIRE_THAT(rejected_at(m, 9).reason, Catch::Contains("session '0'"));
    REQUIRE_THAT(rejected_at(m, 10).reason, Catch::Contains("session '1.5'"));
    REQUIRE_THAT(rejected_at(m, 11).reason, Catch::Contains("session 1 is already on line 2"));
    REQUIRE_THAT(rejected_at(m, 12).reason, Catch::Contains("differs from 'positive'"));
    REQUIRE_THAT(rejected_at(m, 13).reason, Catch::Contains("not closed"));
    REQUIRE_THAT(rejected_at(m, 14).reason, Catch::Contains("symptom_duration_months 'nan'"));
    REQUIRE(rejected_at(m, 6).subject == "S5");
}

TEST_CASE("manifest: a file that cannot be read as a manifest at all throws InputError", "[study][manifest]") {
    REQUIRE_THROWS_WITH(parse(""), Catch::Contains("empty"));
    REQUIRE_THROWS_WITH(parse("subject,file,reference\n"), Catch::Contains("no rows"));
    REQUIRE_THROWS_WITH(parse("subject,file,diagnosis\nS,a,positive\n"),
                        Catch::Contains("column 'diagnosis' is not a manifest column"));
    REQUIRE_THROWS_WITH(parse("subject,file\nS,a\n"), Catch::Contains("required column 'reference'"));
    REQUIRE_THROWS_WITH(parse("subject,file,reference,file\nS,a,positive,b\n"), Catch::Contains("appears twice"));
    REQUIRE_THROWS_AS(parse("subject,\"file\nS,a\n"), edx::InputError);
    REQUIRE_THROWS_WITH(read_fair_manifest("/nonexistent/manifest.csv"), Catch::Contains("no such file"));
    edx::test::TempDir dir;
    REQUIRE_THROWS_WITH(read_fair_manifest(dir.path()), Catch::Contains("not a regular file"));
}

TEST_CASE("manifest: read from disk, relative paths are relative to the manifest", "[study][manifest]") {
    edx::test::TempDir dir;
    std::filesystem::create_directories(dir / "sub");
    {
        std::ofstream f(dir / "sub" / "m.csv");
        f << "subject,file,reference\nS1,rec/a.h5,negative\n";
    }
    const auto m = read_fair_manifest(dir / "sub" / "m.csv");
    REQUIRE(m.rows.size() == 1);
    REQUIRE(m.rows[0].path == dir / "sub" / "rec" / "a.h5");
}

TEST_CASE("reference labels: the documented mapping", "[study][manifest]") {
    for (const char* p : {"positive", "deep_gluteal_syndrome", "piriformis_syndrome", "Positive"}) {
        REQUIRE(reference_is_positive(p) == std::optional<bool>(true));
    }
    for (const char* n : {"negative", "lumbosacral_radiculopathy", "other", "control"}) {
        REQUIRE(reference_is_positive(n) == std::optional<bool>(false));
    }
    REQUIRE(!reference_is_positive("dgs"));
    REQUIRE(!reference_is_positive(""));
}
