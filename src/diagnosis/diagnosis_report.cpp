#include "edx/diagnosis/diagnosis_report.hpp"

#include <cstdio>
#include <set>
#include <sstream>

namespace edx::diagnosis {

namespace {

using nlohmann::ordered_json;

ordered_json summary_json(const ProbabilitySummary& s) {
    ordered_json j;
    j["mean"] = s.mean;
    j["ci95"] = {s.ci95_lo, s.ci95_hi};
    j["point"] = s.point;
    return j;
}

std::string percent(double p) {
    char b[32];
    std::snprintf(b, sizeof b, "%.1f%%", 100.0 * p);
    return b;
}

std::string ratio(double r) {
    char b[32];
    std::snprintf(b, sizeof b, r >= 100.0 || r < 0.01 ? "%.2g" : "%.2f", r);
    return b;
}

std::string sources_text(const std::vector<std::string>& s) {
    std::string t;
    for (const auto& k : s) t += (t.empty() ? "" : ", ") + k;
    return t.empty() ? t : " [" + t + "]";
}

const char* plain(const std::string& id) {
    if (id == "deep_gluteal_syndrome") return "deep gluteal syndrome";
    if (id == "lumbosacral_radiculopathy") return "lumbosacral radiculopathy";
    if (id == "other") return "neither";
    return id.c_str();
}

}  // namespace

ordered_json to_json(const Diagnosis& d, const EvidenceModel& model) {
    ordered_json j;
    std::set<std::string> cited;
    j["notice"] = d.notice;
    j["case_id"] = d.case_id;
    j["model"] = d.model_table;
    j["referral_context"] = {{"id", d.referral_context}, {"label", d.referral_label}};
    j["probabilities_apply"] = d.probabilities_apply;
    j["red_flags"] = ordered_json::array();
    for (const auto& f : d.red_flags) {
        j["red_flags"].push_back({{"id", f.id},
                                  {"label", f.label},
                                  {"severity", f.urgent ? "urgent" : "review"},
                                  {"origin", f.origin},
                                  {"sources", f.provenance.sources},
                                  {"note", f.provenance.note}});
        cited.insert(f.provenance.sources.begin(), f.provenance.sources.end());
    }
    ordered_json posterior;
    for (const auto& h : d.posterior) {
        auto s = summary_json(h.posterior);
        s["prior"] = h.prior;
        posterior[h.id] = s;
    }
    j["posterior"] = posterior;
    j["leading"] = d.leading;
    ordered_json subtypes;
    for (const auto& s : d.subtypes) {
        auto given = summary_json(s.given_dgs);
        given["prior"] = s.prior_given_dgs;
        subtypes[s.id] = {{"label", s.label}, {"given_dgs", given}, {"overall", summary_json(s.overall)}};
    }
    j["subtypes"] = subtypes;
    j["contributions"] = ordered_json::array();
    for (const auto& k : d.contributions) {
        j["contributions"].push_back({{"finding", k.finding},
                                      {"label", k.label},
                                      {"observed", k.observed},
                                      {"origin", k.origin},
                                      {"group", k.group},
                                      {"favours", k.favours},
                                      {"against", k.against},
                                      {"likelihood_ratios",
                                       {{"dgs_vs_radiculopathy", k.lr_dgs_vs_radiculopathy},
                                        {"dgs_vs_other", k.lr_dgs_vs_other},
                                        {"radiculopathy_vs_other", k.lr_radiculopathy_vs_other}}},
                                      {"weight_log10", k.weight_log10}});
    }
    j["not_counted"] = ordered_json::array();
    for (const auto& s : d.not_counted) {
        j["not_counted"].push_back({{"finding", s.finding}, {"origin", s.origin}, {"reason", s.reason}});
    }
    j["next_steps"] = ordered_json::array();
    for (const auto& s : d.next_steps) {
        j["next_steps"].push_back({{"id", s.id}, {"text", s.text}, {"sources", s.sources}, {"why", s.why}});
        cited.insert(s.sources.begin(), s.sources.end());
    }
    j["assumptions"] = ordered_json::array();
    for (const auto& a : d.assumptions) {
        j["assumptions"].push_back({{"text", a.text}, {"sources", a.sources}});
        cited.insert(a.sources.begin(), a.sources.end());
    }
    j["notes"] = d.notes;
    ordered_json sensitivity;
    for (const auto& [context, p] : d.prior_sensitivity) sensitivity[context] = p;
    j["prior_sensitivity"] = sensitivity;
    ordered_json sources;
    for (const auto& key : cited) {
        const auto it = model.sources.find(key);
        if (it != model.sources.end()) sources[key] = it->second;
    }
    j["sources"] = sources;
    j["monte_carlo"] = {{"samples", d.samples}, {"seed", d.seed}};
    return j;
}

std::string to_text(const Diagnosis& d, TextDetail detail) {
    const bool full = detail == TextDetail::full;
    std::ostringstream out;
    out << d.notice << "\n\n";
    if (!d.case_id.empty()) out << "case " << d.case_id << "\n";
    out << "referral context: " << d.referral_label << " (" << d.referral_context << ")\n\n";
    if (!d.red_flags.empty()) {
        out << "RED FLAGS\n";
        for (const auto& f : d.red_flags) {
            out << "  " << (f.urgent ? "URGENT  " : "review  ") << f.label << " (" << f.origin << ")"
                << sources_text(f.provenance.sources) << "\n";
        }
        if (!d.probabilities_apply) {
            out << "  THE PROBABILITIES BELOW DO NOT APPLY until the red flag is explained.\n";
        }
        out << "\n";
    }
    out << "posterior probability (mean, 95% credible interval; prior)\n";
    for (const auto& h : d.posterior) {
        char line[256];
        std::snprintf(line, sizeof line, "  %-28s %6s  [%s, %s]   prior %s\n", h.id.c_str(),
                      percent(h.posterior.mean).c_str(), percent(h.posterior.ci95_lo).c_str(),
                      percent(h.posterior.ci95_hi).c_str(), percent(h.prior).c_str());
        out << line;
    }
    out << "  most probable: " << plain(d.leading) << "\n\n";
    out << "if deep gluteal syndrome, which kind (P(subtype | DGS), 95% interval)\n";
    for (const auto& s : d.subtypes) {
        char line[256];
        std::snprintf(line, sizeof line, "  %-28s %6s  [%s, %s]   prior %s\n", s.id.c_str(), percent(s.given_dgs.mean).c_str(),
                      percent(s.given_dgs.ci95_lo).c_str(), percent(s.given_dgs.ci95_hi).c_str(),
                      percent(s.prior_given_dgs).c_str());
        out << line;
    }
    out << "\nwhy: findings by weight (likelihood ratios DGS:radiculopathy, DGS:neither, radiculopathy:neither)\n";
    if (d.contributions.empty()) out << "  no findings: the result is the prior\n";
    for (const auto& k : d.contributions) {
        out << "  " << k.label << ": " << k.observed << "\n      favours " << plain(k.favours) << ", against "
            << plain(k.against) << "; LR " << ratio(k.lr_dgs_vs_radiculopathy) << ", " << ratio(k.lr_dgs_vs_other) << ", "
            << ratio(k.lr_radiculopathy_vs_other) << "\n";
    }
    if (full && !d.not_counted.empty()) {
        out << "\nobserved but not counted\n";
        for (const auto& s : d.not_counted) out << "  " << s.origin << " (" << s.finding << "): " << s.reason << "\n";
    }
    if (!d.next_steps.empty()) {
        out << "\nnext steps\n";
        for (const auto& s : d.next_steps) out << "  - " << s.text << sources_text(s.sources) << "\n";
    }
    if (!d.notes.empty()) {
        out << "\nnotes\n";
        for (const auto& n : d.notes) out << "  - " << n << "\n";
    }
    if (full) {
        out << "\nassumptions\n";
        for (const auto& a : d.assumptions) out << "  - " << a.text << sources_text(a.sources) << "\n";
    } else {
        out << "\n" << d.assumptions.size() << " assumptions and " << d.not_counted.size()
            << " findings observed but not counted: edx diagnose lists them\n";
    }
    if (!d.prior_sensitivity.empty()) {
        out << "\nP(deep gluteal syndrome) with the same findings under each referral context:";
        for (const auto& [context, p] : d.prior_sensitivity) out << " " << context << " " << percent(p) << ";";
        out << "\n";
    }
    out << "\n(" << d.samples << " Monte Carlo draws, seed " << d.seed << "; model " << d.model_table << ")\n";
    return out.str();
}

std::string model_text(const EvidenceModel& m) {
    std::ostringstream out;
    char line[512];
    out << m.title << "\n(" << m.table << "; every number with its source and status there)\n\n";
    out << "priors by referral context\n";
    for (const auto& rp : m.referral_priors) {
        out << "  " << rp.id << " (" << rp.label << "):";
        for (std::size_t h = 0; h < m.top.size(); ++h) {
            std::snprintf(line, sizeof line, " %s %.4f", m.top[h].id.c_str(), rp.top[h].value);
            out << line;
        }
        out << "\n";
    }
    out << "\nsubtype priors, P(subtype | parent)\n";
    for (std::size_t l = 0; l < m.leaves.size(); ++l) {
        if (m.subtype_prior[l].provenance.sources.empty()) continue;
        std::snprintf(line, sizeof line, "  %-28s %.4f  (%s)%s\n", m.leaves[l].id.c_str(), m.subtype_prior[l].value,
                      m.subtype_prior[l].provenance.status.c_str(), sources_text(m.subtype_prior[l].provenance.sources).c_str());
        out << line;
    }
    out << "\nfindings: P(positive | hypothesis) = mean [95% interval], mapping status, sources\n";
    for (const auto& f : m.findings) {
        out << "  " << f.id << " (group " << f.group << "): " << f.label << "\n";
        std::string last_key;
        for (std::size_t l = 0; l < m.leaves.size(); ++l) {
            const auto& lk = f.positive_given[l];
            const auto& p = m.parameters[lk.parameter];
            const double v = lk.complement ? 1.0 - p.value : p.value;
            const double lo = lk.complement ? 1.0 - p.ci95_hi : p.ci95_lo;
            const double hi = lk.complement ? 1.0 - p.ci95_lo : p.ci95_hi;
            std::snprintf(line, sizeof line, "      %-28s %.3f [%.3f, %.3f]  %s%s%s  %s%s\n", m.leaves[l].id.c_str(), v, lo, hi,
                          lk.complement ? "1 - " : "", p.id.c_str(), lk.key == m.leaves[l].id ? "" : (" via " + lk.key).c_str(),
                          lk.mapping.status.c_str(), sources_text(lk.mapping.sources).c_str());
            out << line;
        }
    }
    return out.str();
}

}  // namespace edx::diagnosis
