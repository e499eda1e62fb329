#include "edx/sim/clinical_findings_sim.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <stdexcept>

#include "edx/sim/random.hpp"
#include "edx/signals/table.hpp"
#include "physiology_table.hpp"

namespace edx::sim {

namespace {

constexpr std::string_view table_path = "physiology/clinical_findings.json";

struct ConditionName {
    ClinicalCondition condition;
    std::string_view id;
};
constexpr std::array<ConditionName, 9> condition_names = {{
    {ClinicalCondition::piriformis, "piriformis"},
    {ClinicalCondition::gemelli_obturator_internus, "gemelli_obturator_internus"},
    {ClinicalCondition::ischiofemoral_impingement, "ischiofemoral_impingement"},
    {ClinicalCondition::proximal_hamstring, "proximal_hamstring"},
    {ClinicalCondition::pudendal_entrapment, "pudendal_entrapment"},
    {ClinicalCondition::other_sciatic_entrapment, "other_sciatic_entrapment"},
    {ClinicalCondition::l5_radiculopathy, "l5_radiculopathy"},
    {ClinicalCondition::s1_radiculopathy, "s1_radiculopathy"},
    {ClinicalCondition::other, "other"},
}};

// The JSON pointer of the entry that applies to `condition` under `base`
// (an object keyed by condition, class or "otherwise").
std::string resolve(const std::string& base, ClinicalCondition condition) {
    const auto& table = signals::table(table_path);
    const auto& node = table.at(nlohmann::json::json_pointer(base));
    const std::string id(to_string(condition));
    if (node.contains(id)) return base + "/" + id;
    // Classes from the smallest (most specific) to the largest.
    std::vector<std::pair<std::size_t, std::string>> classes;
    for (const auto& [name, members] : table.at("classes").items()) classes.emplace_back(members.size(), name);
    std::sort(classes.begin(), classes.end());
    for (const auto& [size, name] : classes) {
        const auto& members = table.at("classes").at(name);
        const bool member = std::any_of(members.begin(), members.end(), [&](const auto& m) { return m == id; });
        if (member && node.contains(name)) return base + "/" + name;
    }
    if (node.contains("otherwise")) return base + "/otherwise";
    throw std::out_of_range("signals/" + std::string(table_path) + " " + base + " gives nothing for " + id);
}

double probability(const std::string& base, ClinicalCondition condition, Random& random) {
    const double p = detail::draw(table_path, resolve(base, condition), random);
    if (!(p >= 0.0 && p <= 1.0)) throw std::out_of_range("signals/" + std::string(table_path) + " " + base + ": not a probability");
    return p;
}

std::string test_state(bool positive, const std::string& name) {
    if (name == "lumbar_mri") return positive ? "compressive_lesion" : "no_compressive_lesion";
    return positive ? "positive" : "negative";
}

}  // namespace

std::string_view to_string(ClinicalCondition condition) noexcept {
    for (const auto& c : condition_names) {
        if (c.condition == condition) return c.id;
    }
    return "other";
}

std::optional<ClinicalCondition> parse_clinical_condition(std::string_view text) noexcept {
    for (const auto& c : condition_names) {
        if (c.id == text) return c.condition;
    }
    return std::nullopt;
}

const std::vector<ClinicalCondition>& all_clinical_conditions() {
    static const std::vector<ClinicalCondition> all = [] {
        std::vector<ClinicalCondition> v;
        for (const auto& c : condition_names) v.push_back(c.condition);
        return v;
    }();
    return all;
}

LesionSite lesion_site_of(ClinicalCondition condition) noexcept {
    switch (condition) {
        case ClinicalCondition::piriformis:
        case ClinicalCondition::gemelli_obturator_internus:
        case ClinicalCondition::ischiofemoral_impingement:
        case ClinicalCondition::proximal_hamstring:
        case ClinicalCondition::other_sciatic_entrapment: return LesionSite::sciatic_deep_gluteal;
        case ClinicalCondition::l5_radiculopathy: return LesionSite::L5_root;
        case ClinicalCondition::s1_radiculopathy: return LesionSite::S1_root;
        case ClinicalCondition::pudendal_entrapment:
        case ClinicalCondition::other: break;
    }
    return LesionSite::none;
}

void ClinicalCaseSpec::validate() const {
    const auto fail = [](const std::string& m) { throw std::invalid_argument("ClinicalCaseSpec." + m); };
    if (side != "left" && side != "right") fail("side: must be left or right");
    if (referral_context.empty()) fail("referral_context: must not be empty");
    if (sex && *sex != "female" && *sex != "male") fail("sex: must be female or male");
    if (age_years && !(*age_years >= 0.0 && *age_years <= 120.0)) fail("age_years: must lie in [0, 120]");
    const std::pair<const char*, double> probabilities[] = {
        {"examination_done_probability", examination_done_probability},
        {"history_known_probability", history_known_probability},
        {"lumbar_mri_done_probability", lumbar_mri_done_probability},
        {"pelvic_mri_done_probability", pelvic_mri_done_probability},
    };
    for (const auto& [name, p] : probabilities) {
        if (!(p >= 0.0 && p <= 1.0)) fail(std::string(name) + ": must lie in [0, 1]");
    }
}

SimulatedClinicalCase simulate_clinical_case(const ClinicalCaseSpec& spec, std::uint64_t seed) {
    spec.validate();
    const auto& table = signals::table(table_path);
    SimulatedClinicalCase out;
    auto& doc = out.document;
    auto& probs = out.truth["probabilities"];
    out.truth["condition"] = to_string(spec.condition);
    probs = nlohmann::json::object();

    Random patient = Random::stream(seed, "clinical/patient");
    const double age = detail::given_or(spec.age_years, detail::draw(table_path, "/patient/age_years", patient));
    const bool female_draw = patient.uniform() < detail::value(table_path, "/patient/female_fraction");
    const std::string sex = spec.sex.value_or(female_draw ? "female" : "male");
    const double weeks = detail::draw(table_path, "/patient/symptom_duration_weeks", patient);

    doc["edx_case_version"] = 1;
    if (!spec.case_id.empty()) doc["case_id"] = spec.case_id;
    doc["patient"] = {{"age_years", std::round(age)}, {"sex", sex}, {"symptomatic_side", spec.side}};
    doc["referral"] = {{"context", spec.referral_context}};
    doc["history"] = {{"symptom_duration_weeks", std::round(weeks)}};
    doc["examination"] = nlohmann::json::object();
    doc["imaging"] = nlohmann::json::object();

    // Positive or not for every test, pairs drawn jointly.
    std::map<std::string, bool> positive;
    std::map<std::string, double> p_positive;
    for (const auto& [name, test] : table.at("tests").items()) {
        Random r = Random::stream(seed, "clinical/" + name);
        const double p = probability("/tests/" + name + "/positive", spec.condition, r);
        p_positive[name] = p;
        positive[name] = r.uniform() < p;
    }
    for (const auto& [pair, def] : table.at("pairs").items()) {
        const std::string a = def.at("tests").at(0), b = def.at("tests").at(1);
        Random r = Random::stream(seed, "clinical/pair/" + pair);
        const double pc = probability("/pairs/" + pair + "/combined", spec.condition, r);
        const double pa = p_positive.at(a), pb = p_positive.at(b);
        double both = def.at("logic") == "any" ? pa + pb - pc : pc;
        both = std::clamp(both, std::max(0.0, pa + pb - 1.0), std::min(pa, pb));
        const double u = r.uniform();
        positive[a] = u < pa;                                    // [0, pa): a positive
        positive[b] = (u < both) || (u >= pa && u < pa + pb - both);  // both, or b only
        probs["pairs." + pair + ".both"] = both;
    }

    for (const auto& [name, test] : table.at("tests").items()) {
        const std::string section = test.at("section");
        Random done = Random::stream(seed, "clinical_done/" + name);
        const double done_p = section == "examination" ? spec.examination_done_probability
                              : section == "history"   ? spec.history_known_probability
                              : name == "lumbar_mri"   ? spec.lumbar_mri_done_probability
                                                       : spec.pelvic_mri_done_probability;
        if (!(done.uniform() < done_p)) continue;
        if (test.value("women_only", false) && sex != "female") continue;
        probs[section + "." + name] = p_positive.at(name);
        if (section == "history") {
            doc["history"][name] = positive.at(name) ? "yes" : "no";
        } else {
            doc[section][name] = test_state(positive.at(name), name);
        }
    }

    // Where palpation is tender: one observation with exclusive states.
    Random tender_done = Random::stream(seed, "clinical_done/tenderness_location");
    if (tender_done.uniform() < spec.examination_done_probability) {
        Random r = Random::stream(seed, "clinical/tenderness_location");
        double cumulative = 0.0;
        const double u_location = r.uniform();
        std::string location = "none";
        for (const char* state : {"sciatic_notch", "lateral_ischium", "medial_ischium"}) {
            const double p = probability(std::string("/tenderness_location/") + state, spec.condition, r);
            probs[std::string("examination.tenderness_location.") + state] = p;
            if (location == "none" && u_location < cumulative + p) location = state;
            cumulative += p;
        }
        if (cumulative > 1.0) {
            throw std::out_of_range("signals/" + std::string(table_path) + " /tenderness_location: the states sum to more than 1 for " +
                                    std::string(to_string(spec.condition)));
        }
        doc["examination"]["tenderness_location"] = location;
    }
    return out;
}

}  // namespace edx::sim
