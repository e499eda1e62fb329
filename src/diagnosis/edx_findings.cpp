#include "edx/diagnosis/edx_findings.hpp"

#include <cmath>
#include <stdexcept>

namespace edx::diagnosis {

namespace {

using nlohmann::json;

struct Marker {
    const char* key;
    std::optional<bool> EdxFindings::*member;
};
constexpr Marker markers[] = {
    {"peroneal_division_denervation_pattern", &EdxFindings::peroneal_division_denervation_pattern},
    {"paraspinal_spontaneous_activity", &EdxFindings::paraspinal_spontaneous_activity},
    {"gluteal_involvement", &EdxFindings::gluteal_involvement},
    {"sural_snap_reduced", &EdxFindings::sural_snap_reduced},
    {"superficial_peroneal_snap_reduced", &EdxFindings::superficial_peroneal_snap_reduced},
    {"h_side_to_side_abnormal", &EdxFindings::h_side_to_side_abnormal},
};

[[noreturn]] void fail(const std::string& path, const std::string& rule) {
    throw std::invalid_argument(path + ": " + rule);
}

std::optional<double> optional_number(const json& o, const char* key, const std::string& path) {
    const auto it = o.find(key);
    if (it == o.end() || it->is_null()) return std::nullopt;
    if (!it->is_number() || !std::isfinite(it->get<double>())) fail(path + "." + key, "must be a finite number or null");
    return it->get<double>();
}

std::optional<bool> optional_bool(const json& o, const char* key, const std::string& path) {
    const auto it = o.find(key);
    if (it == o.end() || it->is_null()) return std::nullopt;
    if (!it->is_boolean()) fail(path + "." + key, "must be true, false or null");
    return it->get<bool>();
}

std::optional<FairDelayFinding> fair_from_analysis(const json& f, const std::string& path) {
    if (f.is_null()) return std::nullopt;
    if (!f.is_object()) fail(path, "must be the FAIR analysis object or null");
    if (f.contains("status")) {
        const auto& s = f.at("status");
        if (!s.is_string() || (s != "ok" && s != "insufficient_data")) fail(path + ".status", "must be ok or insufficient_data");
        if (s == "insufficient_data") return std::nullopt;
    }
    const auto positive = optional_bool(f, "positive", path);
    if (!positive) return std::nullopt;  // no verdict: not decidable
    FairDelayFinding d;
    d.positive = *positive;
    d.delay_ms = optional_number(f, "delay_ms", path);
    d.significant = optional_bool(f, "significant", path);
    if (f.contains("delay_ci95_ms") && !f.at("delay_ci95_ms").is_null()) {
        const auto& ci = f.at("delay_ci95_ms");
        if (!ci.is_array() || ci.size() != 2 || !ci[0].is_number() || !ci[1].is_number() ||
            !(ci[0].get<double>() <= ci[1].get<double>())) {
            fail(path + ".delay_ci95_ms", "must be [lo, hi] with lo <= hi, or null");
        }
        d.ci95_lo_ms = ci[0].get<double>();
        d.ci95_hi_ms = ci[1].get<double>();
    }
    if (f.contains("side") && f.at("side").is_string()) d.side = f.at("side").get<std::string>();
    return d;
}

std::string shown(const std::optional<bool>& v) {
    return v ? (*v ? "positive" : "negative") : "not done";
}

}  // namespace

bool EdxFindings::empty() const noexcept { return known_count() == 0; }

int EdxFindings::known_count() const noexcept {
    int n = fair_delay ? 1 : 0;
    for (const auto& m : markers) n += (this->*m.member).has_value() ? 1 : 0;
    return n;
}

EdxFindings edx_findings_from_results(const json& doc, std::string_view side) {
    if (side != "left" && side != "right") throw std::invalid_argument("edx_findings: side must be left or right");
    EdxFindings out;
    if (!doc.is_object()) fail("results document", "must be a JSON object");
    const auto it = doc.find("edx_findings");
    if (it == doc.end() || it->is_null()) return out;
    const json& e = *it;
    if (!e.is_object()) fail("edx_findings", "must be an object");
    for (const auto& [key, v] : e.items()) {
        if (key != "version" && key != "left" && key != "right") fail("edx_findings." + key, "is not a known key (version, left, right)");
    }
    if (e.contains("version") && (!e.at("version").is_number_integer() || e.at("version").get<int>() != 1)) {
        fail("edx_findings.version", "must be 1 (this engine reads version 1)");
    }
    const std::string path = "edx_findings." + std::string(side);
    const auto s = e.find(std::string(side));
    if (s == e.end() || s->is_null()) return out;
    if (!s->is_object()) fail(path, "must be an object");
    for (const auto& [key, v] : s->items()) {
        bool known = key == "fair_delay";
        for (const auto& m : markers) known = known || key == m.key;
        if (!known) fail(path + "." + key, "is not a known marker");
    }
    if (s->contains("fair_delay")) out.fair_delay = fair_from_analysis(s->at("fair_delay"), path + ".fair_delay");
    for (const auto& m : markers) out.*m.member = optional_bool(*s, m.key, path);
    if (out.fair_delay && !out.fair_delay->side.empty() && out.fair_delay->side != side) {
        fail(path + ".fair_delay.side", "is '" + out.fair_delay->side + "', not " + std::string(side));
    }
    return out;
}

nlohmann::ordered_json to_results_json(const EdxFindings& f) {
    nlohmann::ordered_json j;
    if (f.fair_delay) {
        const auto& d = *f.fair_delay;
        nlohmann::ordered_json fair;
        fair["status"] = "ok";
        fair["positive"] = d.positive;
        fair["delay_ms"] = d.delay_ms ? json(*d.delay_ms) : json(nullptr);
        fair["delay_ci95_ms"] = d.ci95_lo_ms && d.ci95_hi_ms ? json::array({*d.ci95_lo_ms, *d.ci95_hi_ms}) : json(nullptr);
        fair["significant"] = d.significant ? json(*d.significant) : json(nullptr);
        if (!d.side.empty()) fair["side"] = d.side;
        j["fair_delay"] = fair;
    } else {
        j["fair_delay"] = nullptr;
    }
    for (const auto& m : markers) {
        const auto& v = f.*m.member;
        j[m.key] = v ? json(*v) : json(nullptr);
    }
    return j;
}

MergedEdxFindings merge_edx_findings(const EdxFindings& clinician, const EdxFindings& analysis) {
    MergedEdxFindings out;
    out.findings = analysis;
    if (clinician.fair_delay) {
        if (analysis.fair_delay && analysis.fair_delay->positive != clinician.fair_delay->positive) {
            out.overridden.push_back(std::string("fair_delay: case file says ") +
                                     (clinician.fair_delay->positive ? "positive" : "negative") + ", analysis " +
                                     (analysis.fair_delay->positive ? "positive" : "negative"));
        }
        out.findings.fair_delay = clinician.fair_delay;
    }
    for (const auto& m : markers) {
        const auto& c = clinician.*m.member;
        if (!c) continue;
        const auto& a = analysis.*m.member;
        if (a && *a != *c) {
            out.overridden.push_back(std::string(m.key) + ": case file says " + shown(c) + ", analysis " + shown(a));
        }
        out.findings.*m.member = c;
    }
    return out;
}

}  // namespace edx::diagnosis
