#include "edx/diagnosis/case_file.hpp"

#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

#include "edx/diagnosis/evidence_model.hpp"
#include "edx/io/input_error.hpp"
#include "edx/signals/table.hpp"

namespace edx::diagnosis {

namespace {

using nlohmann::json;

constexpr int schema_version = 1;
constexpr const char* test_values = "positive | negative | not_done";
constexpr const char* answer_values = "yes | no | unknown";

struct Field {
    const char* name;
    const char* finding;  // model finding or red flag fed, "" for none
    const char* description;
};

// The schema's enumerated fields, section by section.
constexpr Field history_fields[] = {
    {"buttock_pain_predominant", "buttock_pain_predominant", "pain mainly in the buttock, posterior hip or thigh rather than the low back"},
    {"pain_on_sitting", "pain_on_sitting", "pain worse on sitting"},
    {"cyclical_symptoms", "cyclical_symptoms", "cyclical, menstruation-related symptoms (women only)"},
    {"progressive_motor_deficit", "progressive_motor_deficit", "red flag: progressive motor deficit"},
    {"saddle_anaesthesia", "saddle_anaesthesia", "red flag: saddle anaesthesia"},
    {"bladder_dysfunction", "bladder_dysfunction", "red flag: new bladder dysfunction"},
    {"cancer_history", "cancer_history", "red flag: history of cancer"},
    {"unexplained_weight_loss", "unexplained_weight_loss", "red flag: unexplained weight loss"},
    {"fever", "fever", "red flag: fever or chills"},
    {"infection_risk", "infection_risk", "red flag: recent bacterial infection, IV drug use or immunosuppression"},
    {"night_or_supine_pain", "night_or_supine_pain", "red flag: pain worse lying down or severe at night"},
    {"significant_trauma", "significant_trauma", "red flag: major trauma, or minor trauma if older or osteoporotic"},
};
constexpr Field examination_fields[] = {
    {"straight_leg_raise", "straight_leg_raise", "straight leg raise (Lasegue sign) reproduces the leg pain"},
    {"crossed_straight_leg_raise", "crossed_straight_leg_raise", "raising the other leg reproduces the pain"},
    {"freiberg", "freiberg", "Freiberg's sign: pain on forced internal rotation of the extended hip"},
    {"pace", "pace", "Pace's sign: pain on resisted abduction and external rotation, seated"},
    {"beatty", "beatty", "Beatty's manoeuvre: pain on resisted abduction, side-lying"},
    {"fair_manoeuvre", "fair_manoeuvre", "FAIR manoeuvre (flexion, adduction, internal rotation) reproduces the pain"},
    {"active_piriformis", "active_piriformis", "active piriformis test: pain on resisted abduction with external rotation"},
    {"seated_piriformis_stretch", "seated_piriformis_stretch", "seated piriformis stretch test"},
    {"ischiofemoral_impingement_test", "ischiofemoral_impingement_test", "ischiofemoral impingement test"},
    {"long_stride_walking", "long_stride_walking", "long-stride walking test"},
    {"active_hamstring", "active_hamstring", "active hamstring test at 30 and 90 degrees"},
    {"long_stride_heel_strike", "long_stride_heel_strike", "long-stride heel strike test"},
    {"foot_drop", "foot_drop", "weakness of ankle or toe dorsiflexion"},
    {"ankle_reflex_reduced", "ankle_reflex_reduced", "ankle reflex reduced or absent on the symptomatic side"},
    {"dermatomal_sensory_deficit", "dermatomal_sensory_deficit", "sensory deficit in an L5 or S1 dermatome"},
};
constexpr Field imaging_fields[] = {
    {"pelvic_mri_sciatic_or_piriformis", "pelvic_mri_sciatic_or_piriformis", "pelvic MRI: sciatic nerve or piriformis abnormality"},
    {"pelvic_mri_ischiofemoral_narrowing", "pelvic_mri_ischiofemoral_narrowing", "pelvic MRI: narrow ischiofemoral space, quadratus femoris oedema"},
    {"pelvic_mri_hamstring_origin", "pelvic_mri_hamstring_origin", "pelvic MRI: hamstring origin tendinopathy or avulsion"},
    {"mass_lesion", "mass_lesion", "red flag: space-occupying lesion compressing the nerve on any imaging"},
};
constexpr Field edx_fields[] = {
    {"peroneal_division_denervation_pattern", "peroneal_division_denervation", "needle EMG: peroneal-division (sciatic) denervation pattern"},
    {"paraspinal_spontaneous_activity", "paraspinal_spontaneous_activity", "needle EMG: lumbar paraspinal spontaneous activity"},
    {"gluteal_involvement", "gluteal_involvement", "needle EMG: gluteal muscle denervation"},
    {"sural_snap_reduced", "sural_snap_reduced", "sural SNAP reduced or absent"},
    {"superficial_peroneal_snap_reduced", "superficial_peroneal_snap_reduced", "superficial peroneal SNAP reduced or absent"},
    {"h_side_to_side_abnormal", "h_side_to_side_abnormal", "H-reflex side-to-side latency beyond the limit, or absent"},
};
constexpr const char* tenderness_values[] = {"sciatic_notch", "lateral_ischium", "medial_ischium", "none", "not_done"};

class CaseReader {
public:
    explicit CaseReader(std::string source) : source_(std::move(source)) {}

    [[noreturn]] void fail(const std::string& field, const std::string& rule) const {
        throw InputError(source_, field, rule);
    }
    const json& section(const json& doc, const char* name) const {
        static const json empty = json::object();
        const auto it = doc.find(name);
        if (it == doc.end()) return empty;
        if (!it->is_object()) fail(name, "must be an object");
        return *it;
    }
    void only_keys(const json& object, const std::string& where, const std::set<std::string>& allowed) const {
        for (const auto& [key, v] : object.items()) {
            if (!allowed.count(key)) fail(where.empty() ? key : where + "." + key, "is not a field of the case schema (version 1)");
        }
    }
    std::string choice(const json& object, const std::string& where, const std::string& key,
                       const std::vector<std::string>& values, const std::string& fallback) const {
        const auto it = object.find(key);
        if (it == object.end()) return fallback;
        const std::string field = where + "." + key;
        std::string list;
        for (std::size_t i = 0; i < values.size(); ++i) {
            list += (i == 0 ? "" : (i + 1 == values.size() ? " or " : ", ")) + values[i];
        }
        if (!it->is_string()) fail(field, "must be " + list);
        const std::string v = it->get<std::string>();
        for (const auto& allowed : values) {
            if (v == allowed) return v;
        }
        fail(field, "must be " + list + " (not '" + v + "')");
    }
    std::optional<double> number(const json& object, const std::string& where, const std::string& key, double lo,
                                 double hi) const {
        const auto it = object.find(key);
        if (it == object.end() || it->is_null()) return std::nullopt;
        const std::string field = where + "." + key;
        if (!it->is_number() || !std::isfinite(it->get<double>())) fail(field, "must be a number");
        const double v = it->get<double>();
        if (v < lo || v > hi) {
            std::ostringstream rule;
            rule << "must lie in [" << lo << ", " << hi << "] (not " << v << ")";
            fail(field, rule.str());
        }
        return v;
    }

private:
    std::string source_;
};

TestResult test_result(const std::string& v) {
    return v == "positive" ? TestResult::positive : v == "negative" ? TestResult::negative : TestResult::not_done;
}
Answer answer(const std::string& v) { return v == "yes" ? Answer::yes : v == "no" ? Answer::no : Answer::unknown; }

std::optional<bool> as_bool(TestResult r) {
    if (r == TestResult::not_done) return std::nullopt;
    return r == TestResult::positive;
}

}  // namespace

std::string_view to_string(TestResult r) noexcept {
    switch (r) {
        case TestResult::positive: return "positive";
        case TestResult::negative: return "negative";
        case TestResult::not_done: break;
    }
    return "not_done";
}

std::string_view to_string(Answer a) noexcept {
    switch (a) {
        case Answer::yes: return "yes";
        case Answer::no: return "no";
        case Answer::unknown: break;
    }
    return "unknown";
}

Answer ClinicalCase::answer(std::string_view question) const {
    const auto it = history.find(std::string(question));
    return it == history.end() ? Answer::unknown : it->second;
}

TestResult ClinicalCase::examined(std::string_view test) const {
    const auto it = examination.find(std::string(test));
    return it == examination.end() ? TestResult::not_done : it->second;
}

TestResult ClinicalCase::imaged(std::string_view finding) const {
    const auto it = imaging.find(std::string(finding));
    return it == imaging.end() ? TestResult::not_done : it->second;
}

const std::vector<CaseField>& case_schema() {
    static const std::vector<CaseField> schema = [] {
        std::vector<CaseField> s = {
            {"edx_case_version", "1", "", "schema version (required)"},
            {"case_id", "string", "", "pseudonymous case id (optional)"},
            {"patient.age_years", "number 0-120", "age_over_50_or_under_20", "age; also the superficial peroneal SNAP age correction"},
            {"patient.sex", "female | male | unknown", "", "sex (cyclical symptoms are asked of women only)"},
            {"patient.symptomatic_side", "left | right", "", "side of the symptoms (required): the leg whose EDX markers count"},
            {"referral.context", "a context of the evidence model | custom", "", "referral context choosing the prior (required)"},
            {"referral.priors", "{hypothesis: probability}", "", "with context custom only: priors of the top-level hypotheses, summing to 1"},
            {"history.symptom_duration_weeks", "number >= 0", "", "weeks since symptom onset (needle EMG negatives count from 3 weeks)"},
        };
        for (const auto& f : history_fields) s.push_back({std::string("history.") + f.name, answer_values, f.finding, f.description});
        for (const auto& f : examination_fields) s.push_back({std::string("examination.") + f.name, test_values, f.finding, f.description});
        s.push_back({"examination.tenderness_location", "sciatic_notch | lateral_ischium | medial_ischium | none | not_done",
                     "tenderness_sciatic_notch, tenderness_lateral_ischium, tenderness_medial_ischium",
                     "where palpation relative to the ischium is tender (seated or contralateral decubitus, hip flexed)"});
        s.push_back({"imaging.lumbar_mri", "compressive_lesion | no_compressive_lesion | not_done", "lumbar_mri_compressive_lesion",
                     "lumbar MRI: a compressive lesion corresponding to the symptoms"});
        for (const auto& f : imaging_fields) s.push_back({std::string("imaging.") + f.name, test_values, f.finding, f.description});
        s.push_back({"electrodiagnosis.fair_delay", "not_done | {result: positive | negative, delay_ms, ci95_ms: [lo, hi]}", "fair_h_delay",
                     "FAIR H-reflex delay of the symptomatic leg"});
        for (const auto& f : edx_fields) s.push_back({std::string("electrodiagnosis.") + f.name, test_values, f.finding, f.description});
        return s;
    }();
    return schema;
}

ClinicalCase parse_case(const json& doc, const std::string& source, const EvidenceModel& model) {
    const CaseReader r(source);
    if (!doc.is_object()) r.fail("", "must be a JSON object (a case file, schema version 1)");
    r.only_keys(doc, "", {"edx_case_version", "case_id", "patient", "referral", "history", "examination", "imaging", "electrodiagnosis"});
    const auto version = doc.find("edx_case_version");
    if (version == doc.end()) r.fail("edx_case_version", "is required (1)");
    if (!version->is_number_integer() || version->get<int>() != schema_version) r.fail("edx_case_version", "must be 1");

    ClinicalCase c;
    c.source = source;
    if (doc.contains("case_id")) {
        if (!doc.at("case_id").is_string()) r.fail("case_id", "must be a string");
        c.case_id = doc.at("case_id").get<std::string>();
    }

    const json& patient = r.section(doc, "patient");
    r.only_keys(patient, "patient", {"age_years", "sex", "symptomatic_side"});
    c.age_years = r.number(patient, "patient", "age_years", 0.0, 120.0);
    c.sex = r.choice(patient, "patient", "sex", {"female", "male", "unknown"}, "unknown");
    if (!patient.contains("symptomatic_side")) r.fail("patient.symptomatic_side", "is required (left or right)");
    c.symptomatic_side = r.choice(patient, "patient", "symptomatic_side", {"left", "right"}, "");

    const json& referral = r.section(doc, "referral");
    r.only_keys(referral, "referral", {"context", "priors"});
    std::vector<std::string> contexts;
    for (const auto& p : model.referral_priors) contexts.push_back(p.id);
    contexts.push_back("custom");
    if (!referral.contains("context")) r.fail("referral.context", "is required");
    c.referral_context = r.choice(referral, "referral", "context", contexts, "");
    if (referral.contains("priors")) {
        if (c.referral_context != "custom") r.fail("referral.priors", "is only allowed with context custom");
        const json& p = referral.at("priors");
        if (!p.is_object()) r.fail("referral.priors", "must be an object {hypothesis: probability}");
        double sum = 0.0;
        for (const auto& h : model.top) {
            const auto v = r.number(p, "referral.priors", h.id, 0.0, 1.0);
            if (!v) r.fail("referral.priors." + h.id, "is required with context custom");
            c.custom_priors[h.id] = *v;
            sum += *v;
        }
        std::set<std::string> allowed;
        for (const auto& h : model.top) allowed.insert(h.id);
        r.only_keys(p, "referral.priors", allowed);
        if (std::abs(sum - 1.0) > 1e-6) {
            std::ostringstream rule;
            rule << "must sum to 1 (they sum to " << sum << ")";
            r.fail("referral.priors", rule.str());
        }
    } else if (c.referral_context == "custom") {
        r.fail("referral.priors", "is required with context custom");
    }

    const json& history = r.section(doc, "history");
    std::set<std::string> history_keys = {"symptom_duration_weeks"};
    for (const auto& f : history_fields) history_keys.insert(f.name);
    r.only_keys(history, "history", history_keys);
    c.symptom_duration_weeks = r.number(history, "history", "symptom_duration_weeks", 0.0, 5200.0);
    for (const auto& f : history_fields) {
        c.history[f.name] = answer(r.choice(history, "history", f.name, {"yes", "no", "unknown"}, "unknown"));
    }
    if (c.sex == "male" && c.answer("cyclical_symptoms") == Answer::yes) {
        r.fail("history.cyclical_symptoms", "applies to women only (patient.sex is male)");
    }

    const json& exam = r.section(doc, "examination");
    std::set<std::string> exam_keys = {"tenderness_location"};
    for (const auto& f : examination_fields) exam_keys.insert(f.name);
    r.only_keys(exam, "examination", exam_keys);
    for (const auto& f : examination_fields) {
        c.examination[f.name] = test_result(r.choice(exam, "examination", f.name, {"positive", "negative", "not_done"}, "not_done"));
    }
    c.tenderness_location = r.choice(exam, "examination", "tenderness_location",
                                     {std::begin(tenderness_values), std::end(tenderness_values)}, "not_done");

    const json& imaging = r.section(doc, "imaging");
    std::set<std::string> imaging_keys = {"lumbar_mri"};
    for (const auto& f : imaging_fields) imaging_keys.insert(f.name);
    r.only_keys(imaging, "imaging", imaging_keys);
    const std::string lumbar = r.choice(imaging, "imaging", "lumbar_mri", {"compressive_lesion", "no_compressive_lesion", "not_done"}, "not_done");
    c.imaging["lumbar_mri"] = lumbar == "compressive_lesion" ? TestResult::positive
                              : lumbar == "no_compressive_lesion" ? TestResult::negative
                                                                  : TestResult::not_done;
    for (const auto& f : imaging_fields) {
        c.imaging[f.name] = test_result(r.choice(imaging, "imaging", f.name, {"positive", "negative", "not_done"}, "not_done"));
    }

    const json& edx = r.section(doc, "electrodiagnosis");
    std::set<std::string> edx_keys = {"fair_delay"};
    for (const auto& f : edx_fields) edx_keys.insert(f.name);
    r.only_keys(edx, "electrodiagnosis", edx_keys);
    EdxFindings& e = c.electrodiagnosis;
    e.peroneal_division_denervation_pattern = as_bool(test_result(r.choice(edx, "electrodiagnosis", "peroneal_division_denervation_pattern", {"positive", "negative", "not_done"}, "not_done")));
    e.paraspinal_spontaneous_activity = as_bool(test_result(r.choice(edx, "electrodiagnosis", "paraspinal_spontaneous_activity", {"positive", "negative", "not_done"}, "not_done")));
    e.gluteal_involvement = as_bool(test_result(r.choice(edx, "electrodiagnosis", "gluteal_involvement", {"positive", "negative", "not_done"}, "not_done")));
    e.sural_snap_reduced = as_bool(test_result(r.choice(edx, "electrodiagnosis", "sural_snap_reduced", {"positive", "negative", "not_done"}, "not_done")));
    e.superficial_peroneal_snap_reduced = as_bool(test_result(r.choice(edx, "electrodiagnosis", "superficial_peroneal_snap_reduced", {"positive", "negative", "not_done"}, "not_done")));
    e.h_side_to_side_abnormal = as_bool(test_result(r.choice(edx, "electrodiagnosis", "h_side_to_side_abnormal", {"positive", "negative", "not_done"}, "not_done")));
    if (edx.contains("fair_delay")) {
        const json& f = edx.at("fair_delay");
        const std::string where = "electrodiagnosis.fair_delay";
        if (f.is_string()) {
            if (f != "not_done") r.fail(where, "must be not_done or {result, delay_ms, ci95_ms}");
        } else if (f.is_object()) {
            r.only_keys(f, where, {"result", "delay_ms", "ci95_ms"});
            if (!f.contains("result")) r.fail(where + ".result", "is required (positive or negative)");
            const std::string result = r.choice(f, where, "result", {"positive", "negative"}, "");
            FairDelayFinding d;
            d.positive = result == "positive";
            d.side = c.symptomatic_side;
            d.delay_ms = r.number(f, where, "delay_ms", -50.0, 50.0);
            if (f.contains("ci95_ms")) {
                const json& ci = f.at("ci95_ms");
                if (!ci.is_array() || ci.size() != 2 || !ci[0].is_number() || !ci[1].is_number() ||
                    !(ci[0].get<double>() <= ci[1].get<double>())) {
                    r.fail(where + ".ci95_ms", "must be [lo, hi] with lo <= hi");
                }
                if (!d.delay_ms) r.fail(where + ".ci95_ms", "needs delay_ms");
                d.ci95_lo_ms = ci[0].get<double>();
                d.ci95_hi_ms = ci[1].get<double>();
                if (*d.delay_ms < *d.ci95_lo_ms || *d.delay_ms > *d.ci95_hi_ms) r.fail(where + ".ci95_ms", "must hold delay_ms");
            }
            const double criterion = signals::constant("norms/fair_criterion.json", "/criterion_ms");
            if (d.delay_ms && (*d.delay_ms >= criterion) != d.positive) {
                std::ostringstream rule;
                rule << "result " << result << " contradicts delay_ms " << *d.delay_ms << " (the criterion is "
                     << criterion << " ms)";
                r.fail(where, rule.str());
            }
            e.fair_delay = d;
        } else {
            r.fail(where, "must be not_done or {result, delay_ms, ci95_ms}");
        }
    }
    return c;
}

ClinicalCase read_case_file(const std::filesystem::path& file, const EvidenceModel& model) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw InputError(file.string(), "", "cannot be opened");
    json doc;
    try {
        doc = json::parse(in);
    } catch (const json::parse_error& e) {
        throw InputError(file.string(), "", std::string("is not valid JSON: ") + e.what());
    }
    return parse_case(doc, file.string(), model);
}

nlohmann::ordered_json to_json(const ClinicalCase& c) {
    nlohmann::ordered_json j;
    j["edx_case_version"] = schema_version;
    if (!c.case_id.empty()) j["case_id"] = c.case_id;
    nlohmann::ordered_json patient;
    if (c.age_years) patient["age_years"] = *c.age_years;
    patient["sex"] = c.sex;
    patient["symptomatic_side"] = c.symptomatic_side;
    j["patient"] = patient;
    nlohmann::ordered_json referral;
    referral["context"] = c.referral_context;
    if (!c.custom_priors.empty()) referral["priors"] = c.custom_priors;
    j["referral"] = referral;
    nlohmann::ordered_json history = nlohmann::ordered_json::object();
    if (c.symptom_duration_weeks) history["symptom_duration_weeks"] = *c.symptom_duration_weeks;
    for (const auto& f : history_fields) {
        const auto it = c.history.find(f.name);
        if (it != c.history.end() && it->second != Answer::unknown) history[f.name] = to_string(it->second);
    }
    j["history"] = history;
    nlohmann::ordered_json exam = nlohmann::ordered_json::object();
    for (const auto& f : examination_fields) {
        const auto it = c.examination.find(f.name);
        if (it != c.examination.end() && it->second != TestResult::not_done) exam[f.name] = to_string(it->second);
    }
    if (c.tenderness_location != "not_done") exam["tenderness_location"] = c.tenderness_location;
    j["examination"] = exam;
    nlohmann::ordered_json imaging = nlohmann::ordered_json::object();
    const auto lumbar = c.imaging.find("lumbar_mri");
    if (lumbar != c.imaging.end() && lumbar->second != TestResult::not_done) {
        imaging["lumbar_mri"] = lumbar->second == TestResult::positive ? "compressive_lesion" : "no_compressive_lesion";
    }
    for (const auto& f : imaging_fields) {
        const auto it = c.imaging.find(f.name);
        if (it != c.imaging.end() && it->second != TestResult::not_done) imaging[f.name] = to_string(it->second);
    }
    j["imaging"] = imaging;
    nlohmann::ordered_json edx = nlohmann::ordered_json::object();
    const EdxFindings& e = c.electrodiagnosis;
    if (e.fair_delay) {
        nlohmann::ordered_json f;
        f["result"] = e.fair_delay->positive ? "positive" : "negative";
        if (e.fair_delay->delay_ms) f["delay_ms"] = *e.fair_delay->delay_ms;
        if (e.fair_delay->ci95_lo_ms && e.fair_delay->ci95_hi_ms) {
            f["ci95_ms"] = {*e.fair_delay->ci95_lo_ms, *e.fair_delay->ci95_hi_ms};
        }
        edx["fair_delay"] = f;
    }
    const std::pair<const char*, const std::optional<bool>*> markers[] = {
        {"peroneal_division_denervation_pattern", &e.peroneal_division_denervation_pattern},
        {"paraspinal_spontaneous_activity", &e.paraspinal_spontaneous_activity},
        {"gluteal_involvement", &e.gluteal_involvement},
        {"sural_snap_reduced", &e.sural_snap_reduced},
        {"superficial_peroneal_snap_reduced", &e.superficial_peroneal_snap_reduced},
        {"h_side_to_side_abnormal", &e.h_side_to_side_abnormal},
    };
    for (const auto& [key, v] : markers) {
        if (*v) edx[key] = **v ? "positive" : "negative";
    }
    j["electrodiagnosis"] = edx;
    return j;
}

}  // namespace edx::diagnosis
