#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "edx/diagnosis/case_file.hpp"
#include "edx/diagnosis/evidence_model.hpp"
#include "edx/io/input_error.hpp"

using namespace edx::diagnosis;
using nlohmann::json;

namespace {
const std::filesystem::path examples = std::filesystem::path(EDX_SOURCE_DIR) / "signals" / "examples";

json minimal_case() {
    return json::parse(R"({"edx_case_version": 1,
                           "patient": {"symptomatic_side": "left"},
                           "referral": {"context": "all_sciatica"}})");
}

// The InputError of parsing `doc`, which must fail.
edx::InputError error_of(const json& doc) {
    try {
        parse_case(doc, "case.json");
    } catch (const edx::InputError& e) {
        return e;
    }
    FAIL("the case was accepted: " << doc.dump());
    throw std::logic_error("unreachable");
}

std::vector<std::string> split(const std::string& s) {
    std::vector<std::string> out;
    std::stringstream in(s);
    std::string item;
    while (std::getline(in, item, ',')) {
        while (!item.empty() && item.front() == ' ') item.erase(item.begin());
        if (!item.empty()) out.push_back(item);
    }
    return out;
}
}  // namespace

TEST_CASE("the bundled example case files are valid and say what their studies show", "[diagnosis][case]") {
    const auto dgs = read_case_file(examples / "dgs_piriformis_left.case.json");
    REQUIRE(dgs.case_id == "EX-DGS-01");
    REQUIRE(dgs.symptomatic_side == "left");
    REQUIRE(dgs.referral_context == "sciatica_no_lumbar_lesion");
    REQUIRE(dgs.examination.at("seated_piriformis_stretch") == TestResult::positive);
    REQUIRE(dgs.examination.at("straight_leg_raise") == TestResult::negative);
    REQUIRE(dgs.examination.at("beatty") == TestResult::not_done);  // absent = not done
    REQUIRE(dgs.tenderness_location == "sciatic_notch");
    REQUIRE(dgs.history.at("pain_on_sitting") == Answer::yes);
    REQUIRE(dgs.history.at("significant_trauma") == Answer::unknown);

    const auto l5 = read_case_file(examples / "l5_radiculopathy_right.case.json");
    REQUIRE(l5.symptomatic_side == "right");
    REQUIRE(l5.imaging.at("lumbar_mri") == TestResult::positive);
    REQUIRE(l5.examination.at("foot_drop") == TestResult::positive);

    const auto normal = read_case_file(examples / "normal.case.json");
    REQUIRE(normal.examination.at("active_piriformis") == TestResult::negative);
    REQUIRE(normal.electrodiagnosis.empty());
}

TEST_CASE("an invalid case file names the field and the rule it breaks", "[diagnosis][case]") {
    struct Bad {
        std::function<void(json&)> edit;
        std::string field;
        std::string rule;
    };
    const Bad bad[] = {
        {[](json& d) { d["examination"]["seated_piriformis_stretch"] = "maybe"; }, "examination.seated_piriformis_stretch",
         "must be positive, negative or not_done (not 'maybe')"},
        {[](json& d) { d["examination"]["seated_piriformis_stretch"] = true; }, "examination.seated_piriformis_stretch",
         "must be positive, negative or not_done"},
        {[](json& d) { d["examination"]["piriformis_sign"] = "positive"; }, "examination.piriformis_sign",
         "is not a field of the case schema (version 1)"},
        {[](json& d) { d["labs"] = json::object(); }, "labs", "is not a field of the case schema (version 1)"},
        {[](json& d) { d["patient"]["age_years"] = "forty"; }, "patient.age_years", "must be a number"},
        {[](json& d) { d["patient"]["age_years"] = 140; }, "patient.age_years", "must lie in [0, 120] (not 140)"},
        {[](json& d) { d["patient"].erase("symptomatic_side"); }, "patient.symptomatic_side", "is required (left or right)"},
        {[](json& d) { d["patient"]["symptomatic_side"] = "both"; }, "patient.symptomatic_side", "must be left or right (not 'both')"},
        {[](json& d) { d.erase("edx_case_version"); }, "edx_case_version", "is required (1)"},
        {[](json& d) { d["edx_case_version"] = 2; }, "edx_case_version", "must be 1"},
        {[](json& d) { d["history"] = "none"; }, "history", "must be an object"},
        {[](json& d) { d["history"]["pain_on_sitting"] = "positive"; }, "history.pain_on_sitting", "must be yes, no or unknown (not 'positive')"},
        {[](json& d) { d["imaging"]["lumbar_mri"] = "positive"; }, "imaging.lumbar_mri",
         "must be compressive_lesion, no_compressive_lesion or not_done (not 'positive')"},
        {[](json& d) { d["examination"]["tenderness_location"] = "everywhere"; }, "examination.tenderness_location",
         "must be sciatic_notch, lateral_ischium, medial_ischium, none or not_done (not 'everywhere')"},
        {[](json& d) { d["referral"]["context"] = "sciatica"; }, "referral.context",
         "must be all_sciatica, chronic_low_back_pain, sciatica_no_lumbar_lesion or custom (not 'sciatica')"},
        {[](json& d) { d["referral"]["priors"] = {{"deep_gluteal_syndrome", 1.0}}; }, "referral.priors",
         "is only allowed with context custom"},
        {[](json& d) { d["referral"]["context"] = "custom"; }, "referral.priors", "is required with context custom"},
        {[](json& d) {
             d["referral"] = {{"context", "custom"},
                              {"priors", {{"deep_gluteal_syndrome", 0.2}, {"l5_radiculopathy", 0.3}, {"s1_radiculopathy", 0.3}, {"other", 0.1}}}};
         },
         "referral.priors", "must sum to 1 (they sum to 0.9)"},
        {[](json& d) {
             d["patient"]["sex"] = "male";
             d["history"]["cyclical_symptoms"] = "yes";
         },
         "history.cyclical_symptoms", "applies to women only (patient.sex is male)"},
        {[](json& d) { d["electrodiagnosis"]["fair_delay"] = {{"result", "positive"}, {"delay_ms", 1.2}}; },
         "electrodiagnosis.fair_delay", "result positive contradicts delay_ms 1.2 (the criterion is 1.86 ms)"},
        {[](json& d) { d["electrodiagnosis"]["fair_delay"] = {{"result", "negative"}, {"ci95_ms", {0.1, 0.9}}}; },
         "electrodiagnosis.fair_delay.ci95_ms", "needs delay_ms"},
        {[](json& d) { d["electrodiagnosis"]["fair_delay"] = "positive"; }, "electrodiagnosis.fair_delay",
         "must be not_done or {result, delay_ms, ci95_ms}"},
        {[](json& d) { d["electrodiagnosis"]["gluteal_involvement"] = "abnormal"; }, "electrodiagnosis.gluteal_involvement",
         "must be positive, negative or not_done (not 'abnormal')"},
    };
    for (const auto& b : bad) {
        json doc = minimal_case();
        b.edit(doc);
        const auto e = error_of(doc);
        INFO(e.what());
        REQUIRE(e.source() == "case.json");
        REQUIRE(e.object() == b.field);
        REQUIRE(e.rule() == b.rule);
        REQUIRE(std::string(e.what()) == "case.json: " + b.field + ": " + b.rule);
    }
    REQUIRE_THROWS_WITH(parse_case(json::array(), "case.json"), Catch::Contains("must be a JSON object"));
}

TEST_CASE("a case file that is not JSON is refused with the file named", "[diagnosis][case]") {
    const auto dir = std::filesystem::temp_directory_path() / "edx_case_file_test";
    std::filesystem::create_directories(dir);
    const auto file = dir / "broken.json";
    std::ofstream(file) << "{\"edx_case_version\": 1,";
    REQUIRE_THROWS_WITH(read_case_file(file), Catch::Contains("broken.json: is not valid JSON"));
    REQUIRE_THROWS_WITH(read_case_file(dir / "missing.json"), Catch::Contains("missing.json: cannot be opened"));
    std::filesystem::remove_all(dir);
}

TEST_CASE("a case written back reads the same", "[diagnosis][case]") {
    for (const char* name : {"dgs_piriformis_left", "l5_radiculopathy_right", "normal"}) {
        auto c = read_case_file(examples / (std::string(name) + ".case.json"));
        c.electrodiagnosis.fair_delay = FairDelayFinding{true, 2.4, 2.0, 2.8, std::nullopt, c.symptomatic_side};
        c.electrodiagnosis.sural_snap_reduced = false;
        const json written = to_json(c);
        const auto back = parse_case(written, "back.json");
        REQUIRE(json(to_json(back)) == written);
        REQUIRE(back.electrodiagnosis.fair_delay->ci95_hi_ms == 2.8);
    }
    json custom = minimal_case();
    custom["referral"] = {{"context", "custom"},
                          {"priors", {{"deep_gluteal_syndrome", 0.25}, {"l5_radiculopathy", 0.25}, {"s1_radiculopathy", 0.25}, {"other", 0.25}}}};
    const auto c = parse_case(custom, "custom.json");
    REQUIRE(c.custom_priors.at("other") == 0.25);
    REQUIRE(json(to_json(parse_case(to_json(c), "x"))) == json(to_json(c)));
}

TEST_CASE("the schema, the evidence model and the schema document agree", "[diagnosis][case]") {
    const auto& model = EvidenceModel::bundled();
    std::set<std::string> fed;
    for (const auto& f : case_schema()) {
        for (const auto& id : split(f.finding)) {
            INFO(f.path << " feeds " << id);
            const bool known = model.has_finding(id) ||
                               std::any_of(model.red_flags.begin(), model.red_flags.end(),
                                           [&](const RedFlagDefinition& r) { return r.id == id; });
            REQUIRE(known);
            fed.insert(id);
        }
    }
    // Every finding is reachable from the case file, except the combined rows, which are derived.
    std::set<int> derived;
    for (const auto& g : model.groups) {
        for (const auto& row : g.combined) derived.insert(row.finding);
    }
    for (std::size_t f = 0; f < model.findings.size(); ++f) {
        if (derived.count(static_cast<int>(f))) continue;
        INFO(model.findings[f].id);
        REQUIRE(fed.count(model.findings[f].id) == 1);
    }
    for (const auto& r : model.red_flags) {
        INFO(r.id);
        REQUIRE(fed.count(r.id) == 1);
    }
    // The document users read lists every field.
    std::ifstream in(examples / "README-case-schema.md");
    REQUIRE(in.good());
    std::stringstream doc;
    doc << in.rdbuf();
    for (const auto& f : case_schema()) {
        INFO(f.path);
        REQUIRE(doc.str().find("`" + f.path + "`") != std::string::npos);
    }
}
