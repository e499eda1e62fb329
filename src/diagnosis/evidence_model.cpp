#include "edx/diagnosis/evidence_model.hpp"

#include <algorithm>
#include <cmath>
#include <set>
#include <stdexcept>

#include "edx/signals/table.hpp"

namespace edx::diagnosis {

namespace {

using nlohmann::json;

constexpr const char* bundled_table = "evidence/dgs_vs_radiculopathy.json";
constexpr double sum_tolerance = 1e-6;

class Reader {
public:
    explicit Reader(std::string name) : name_(std::move(name)) {}

    [[noreturn]] void fail(const std::string& path, const std::string& rule) const {
        throw std::invalid_argument(name_ + ": " + path + ": " + rule);
    }
    const json& member(const json& object, const std::string& path, const std::string& key) const {
        if (!object.is_object()) fail(path, "must be an object");
        const auto it = object.find(key);
        if (it == object.end()) fail(path, "has no '" + key + "'");
        return *it;
    }
    const json& object(const json& parent, const std::string& path, const std::string& key) const {
        const json& v = member(parent, path, key);
        if (!v.is_object()) fail(path + "/" + key, "must be an object");
        return v;
    }
    std::string text(const json& parent, const std::string& path, const std::string& key) const {
        const json& v = member(parent, path, key);
        if (!v.is_string()) fail(path + "/" + key, "must be a string");
        return v.get<std::string>();
    }
    std::string optional_text(const json& parent, const std::string& key) const {
        const auto it = parent.find(key);
        return it != parent.end() && it->is_string() ? it->get<std::string>() : std::string();
    }
    double number(const json& parent, const std::string& path, const std::string& key) const {
        const json& v = member(parent, path, key);
        if (!v.is_number() || !std::isfinite(v.get<double>())) fail(path + "/" + key, "must be a finite number");
        return v.get<double>();
    }
    Provenance provenance(const json& entry, const std::string& path,
                          const std::map<std::string, std::string>& sources) const {
        Provenance p;
        const json& s = member(entry, path, "source");
        if (s.is_string()) {
            p.sources.push_back(s.get<std::string>());
        } else if (s.is_array() && !s.empty()) {
            for (const auto& k : s) {
                if (!k.is_string()) fail(path + "/source", "must be a key or a list of keys");
                p.sources.push_back(k.get<std::string>());
            }
        } else {
            fail(path + "/source", "must be a key or a non-empty list of keys");
        }
        for (const auto& k : p.sources) {
            if (!sources.count(k)) fail(path + "/source", "'" + k + "' is not in /sources");
        }
        p.status = text(entry, path, "status");
        static const std::set<std::string> statuses = {"verified", "inferred", "unverified", "assumption"};
        if (!statuses.count(p.status)) fail(path + "/status", "must be verified, inferred, unverified or assumption");
        p.note = optional_text(entry, "note");
        return p;
    }
    SourcedProbability probability(const json& entry, const std::string& path,
                                   const std::map<std::string, std::string>& sources) const {
        SourcedProbability p;
        p.value = number(entry, path, "value");
        if (p.value < 0.0 || p.value > 1.0) fail(path + "/value", "must be a probability in [0, 1]");
        p.provenance = provenance(entry, path, sources);
        return p;
    }

private:
    std::string name_;
};

template <class T>
int index_of(const std::vector<T>& items, std::string_view id) {
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (items[i].id == id) return static_cast<int>(i);
    }
    return -1;
}

}  // namespace

EvidenceModel EvidenceModel::from_json(const json& t, std::string_view name) {
    const Reader r{std::string(name)};
    EvidenceModel m;
    m.table = std::string(name);
    m.title = r.optional_text(t, "title");

    for (const auto& [key, citation] : r.object(t, "", "sources").items()) {
        if (!citation.is_string()) r.fail("/sources/" + key, "must be a citation string");
        m.sources[key] = citation.get<std::string>();
    }

    // Hypotheses.
    const json& hyp = r.object(t, "", "hypotheses");
    const json& top = r.member(hyp, "/hypotheses", "top");
    if (!top.is_array() || top.empty()) r.fail("/hypotheses/top", "must be a non-empty list");
    for (std::size_t i = 0; i < top.size(); ++i) {
        const std::string path = "/hypotheses/top/" + std::to_string(i);
        Hypothesis h{r.text(top[i], path, "id"), r.text(top[i], path, "label")};
        if (index_of(m.top, h.id) >= 0) r.fail(path + "/id", "'" + h.id + "' appears twice");
        m.top.push_back(std::move(h));
    }
    const json& leaves = r.member(hyp, "/hypotheses", "leaves");
    if (!leaves.is_array() || leaves.empty()) r.fail("/hypotheses/leaves", "must be a non-empty list");
    for (std::size_t i = 0; i < leaves.size(); ++i) {
        const std::string path = "/hypotheses/leaves/" + std::to_string(i);
        Leaf l{r.text(leaves[i], path, "id"), r.text(leaves[i], path, "label"), -1};
        const std::string parent = r.text(leaves[i], path, "parent");
        l.parent = index_of(m.top, parent);
        if (l.parent < 0) r.fail(path + "/parent", "'" + parent + "' is not a top-level hypothesis");
        if (index_of(m.leaves, l.id) >= 0) r.fail(path + "/id", "'" + l.id + "' appears twice");
        m.leaves.push_back(std::move(l));
    }
    for (std::size_t h = 0; h < m.top.size(); ++h) {
        const bool has_leaf = std::any_of(m.leaves.begin(), m.leaves.end(),
                                          [&](const Leaf& l) { return l.parent == static_cast<int>(h); });
        if (!has_leaf) r.fail("/hypotheses/leaves", "no leaf of '" + m.top[h].id + "'");
    }

    // Classes, most specific first.
    for (const auto& [cls, members] : r.object(t, "", "classes").items()) {
        const std::string path = "/classes/" + cls;
        if (index_of(m.leaves, cls) >= 0 || cls == "otherwise") r.fail(path, "a class cannot be named like a leaf");
        if (!members.is_array() || members.empty()) r.fail(path, "must be a non-empty list of leaves");
        std::vector<int> idx;
        for (const auto& leaf : members) {
            const int i = leaf.is_string() ? index_of(m.leaves, leaf.get<std::string>()) : -1;
            if (i < 0) r.fail(path, "names " + leaf.dump() + ", which is not a leaf");
            idx.push_back(i);
        }
        m.classes[cls] = idx;
    }
    // nlohmann::json orders object keys alphabetically; the resolution order is the table's own.
    {
        std::vector<std::pair<std::size_t, std::string>> by_size;
        for (const auto& [cls, members] : m.classes) by_size.emplace_back(members.size(), cls);
        std::stable_sort(by_size.begin(), by_size.end());
        for (const auto& [size, cls] : by_size) m.class_order.push_back(cls);
    }

    // Subtype priors.
    const json& sub = r.object(t, "", "subtype_priors");
    m.subtype_prior.assign(m.leaves.size(), SourcedProbability{1.0, {}});
    for (std::size_t h = 0; h < m.top.size(); ++h) {
        std::vector<int> members;
        for (std::size_t l = 0; l < m.leaves.size(); ++l) {
            if (m.leaves[l].parent == static_cast<int>(h)) members.push_back(static_cast<int>(l));
        }
        if (members.size() < 2) continue;
        double sum = 0.0;
        for (int l : members) {
            const std::string path = "/subtype_priors/" + m.leaves[l].id;
            if (!sub.contains(m.leaves[l].id)) r.fail("/subtype_priors", "has no '" + m.leaves[l].id + "'");
            m.subtype_prior[l] = r.probability(sub.at(m.leaves[l].id), path, m.sources);
            sum += m.subtype_prior[l].value;
        }
        if (std::abs(sum - 1.0) > sum_tolerance) {
            r.fail("/subtype_priors", "the subtypes of '" + m.top[h].id + "' sum to " + std::to_string(sum) + ", not 1");
        }
    }
    for (const auto& [key, v] : sub.items()) {
        const int l = index_of(m.leaves, key);
        if (l < 0 || m.subtype_prior[l].provenance.sources.empty()) {
            r.fail("/subtype_priors/" + key, "is not a subtype of a hypothesis with several leaves");
        }
    }

    // Parameters.
    for (const auto& [id, p] : r.object(t, "", "parameters").items()) {
        const std::string path = "/parameters/" + id;
        Parameter par;
        par.id = id;
        par.value = r.number(p, path, "value");
        const json& ci = r.member(p, path, "ci95");
        if (!ci.is_array() || ci.size() != 2 || !ci[0].is_number() || !ci[1].is_number()) {
            r.fail(path + "/ci95", "must be [lo, hi]");
        }
        par.ci95_lo = ci[0].get<double>();
        par.ci95_hi = ci[1].get<double>();
        par.provenance = r.provenance(p, path, m.sources);
        par.ci95_status = r.optional_text(p, "ci95_status");
        if (par.ci95_status.empty()) par.ci95_status = par.provenance.status;
        try {
            par.fit = fit_beta_to_interval(par.value, par.ci95_lo, par.ci95_hi);
        } catch (const std::invalid_argument& e) {
            r.fail(path, e.what());
        }
        m.parameters.push_back(std::move(par));
    }

    // Timing.
    for (const auto& [id, c] : r.object(t, "", "timing").items()) {
        const std::string path = "/timing/" + id;
        (void)r.provenance(c, path, m.sources);
        m.timing_weeks[id] = r.number(c, path, "value");
    }

    // Findings.
    const auto parameter_ref = [&](const json& v, const std::string& path, Likelihood& lk) {
        if (v.is_string()) {
            lk.parameter = index_of(m.parameters, v.get<std::string>());
            if (lk.parameter < 0) r.fail(path, "names no parameter '" + v.get<std::string>() + "'");
            lk.mapping = m.parameters[lk.parameter].provenance;
            return;
        }
        if (!v.is_object()) r.fail(path, "must be a parameter id or an object with 'parameter'");
        const std::string id = r.text(v, path, "parameter");
        lk.parameter = index_of(m.parameters, id);
        if (lk.parameter < 0) r.fail(path + "/parameter", "names no parameter '" + id + "'");
        if (v.contains("complement")) {
            if (!v.at("complement").is_boolean()) r.fail(path + "/complement", "must be true or false");
            lk.complement = v.at("complement").get<bool>();
        }
        lk.mapping = r.provenance(v, path, m.sources);
    };
    for (const auto& [id, f] : r.object(t, "", "findings").items()) {
        const std::string path = "/findings/" + id;
        Finding fd;
        fd.id = id;
        fd.label = r.text(f, path, "label");
        fd.category = r.text(f, path, "category");
        static const std::set<std::string> categories = {"examination", "history", "imaging", "electrodiagnosis"};
        if (!categories.count(fd.category)) r.fail(path + "/category", "must be examination, history, imaging or electrodiagnosis");
        fd.group = r.text(f, path, "group");
        fd.case_field = r.optional_text(f, "case_field");
        if (f.contains("negative_needs")) {
            fd.negative_needs = r.text(f, path, "negative_needs");
            const auto it = m.timing_weeks.find(fd.negative_needs);
            if (it == m.timing_weeks.end()) r.fail(path + "/negative_needs", "names no /timing constant");
            fd.negative_needs_weeks = it->second;
        }
        const json& given = r.object(f, path, "positive_given");
        std::set<std::string> used;
        for (std::size_t l = 0; l < m.leaves.size(); ++l) {
            std::vector<std::string> keys = {m.leaves[l].id};
            for (const auto& cls : m.class_order) {
                const auto& members = m.classes.at(cls);
                if (std::find(members.begin(), members.end(), static_cast<int>(l)) != members.end()) keys.push_back(cls);
            }
            keys.push_back("otherwise");
            Likelihood lk;
            for (const auto& k : keys) {
                if (!given.contains(k)) continue;
                lk.key = k;
                parameter_ref(given.at(k), path + "/positive_given/" + k, lk);
                used.insert(k);
                break;
            }
            if (lk.parameter < 0) r.fail(path + "/positive_given", "gives no probability for '" + m.leaves[l].id + "'");
            fd.positive_given.push_back(std::move(lk));
        }
        for (const auto& [k, v] : given.items()) {
            if (!used.count(k)) r.fail(path + "/positive_given/" + k, "is not a leaf or class any leaf takes");
        }
        if (f.contains("age_background")) {
            const json& a = f.at("age_background");
            const std::string apath = path + "/age_background";
            AgeBackground ab;
            ab.over_age_years = r.number(a, apath, "over_age_years");
            ab.parameter = index_of(m.parameters, r.text(a, apath, "parameter"));
            ab.baseline_parameter = index_of(m.parameters, r.text(a, apath, "baseline_parameter"));
            if (ab.parameter < 0 || ab.baseline_parameter < 0) r.fail(apath, "names a parameter that does not exist");
            ab.provenance = r.provenance(a, apath, m.sources);
            fd.age_background = ab;
        }
        m.findings.push_back(std::move(fd));
    }

    // Groups.
    for (const auto& [id, g] : r.object(t, "", "groups").items()) {
        const std::string path = "/groups/" + id;
        Group gr;
        gr.id = id;
        gr.label = r.text(g, path, "label");
        if (r.text(g, path, "rule") != "most_informative") r.fail(path + "/rule", "must be most_informative");
        if (g.contains("exclusive")) {
            if (!g.at("exclusive").is_boolean()) r.fail(path + "/exclusive", "must be true or false");
            gr.exclusive = g.at("exclusive").get<bool>();
        }
        for (std::size_t f = 0; f < m.findings.size(); ++f) {
            if (m.findings[f].group == id) gr.findings.push_back(static_cast<int>(f));
        }
        if (gr.findings.empty()) r.fail(path, "has no finding");
        if (g.contains("combined")) {
            const json& rows = g.at("combined");
            if (!rows.is_array()) r.fail(path + "/combined", "must be a list of rows");
            for (std::size_t i = 0; i < rows.size(); ++i) {
                const std::string cpath = path + "/combined/" + std::to_string(i);
                CombinedRow row;
                row.finding = index_of(m.findings, r.text(rows[i], cpath, "finding"));
                if (row.finding < 0 || m.findings[row.finding].group != id) r.fail(cpath + "/finding", "must be a finding of this group");
                const json& parts = r.member(rows[i], cpath, "parts");
                if (!parts.is_array()) r.fail(cpath + "/parts", "must be a list of findings");
                for (const auto& part : parts) {
                    const int p = part.is_string() ? index_of(m.findings, part.get<std::string>()) : -1;
                    if (p < 0 || m.findings[p].group != id || p == row.finding) r.fail(cpath + "/parts", "must name other findings of this group");
                    row.parts.push_back(p);
                }
                if (row.parts.size() < 2) r.fail(cpath + "/parts", "must name at least two findings");
                const std::string logic = r.text(rows[i], cpath, "logic");
                if (logic != "any" && logic != "all") r.fail(cpath + "/logic", "must be any or all");
                row.any = logic == "any";
                gr.combined.push_back(std::move(row));
            }
        }
        m.groups.push_back(std::move(gr));
    }
    for (const auto& f : m.findings) {
        if (index_of(m.groups, f.group) < 0) r.fail("/findings/" + f.id + "/group", "'" + f.group + "' is not in /groups");
    }
    const auto points = m.point_values();
    for (const auto& g : m.groups) {
        if (!g.exclusive) continue;
        for (std::size_t l = 0; l < m.leaves.size(); ++l) {
            double sum = 0.0;
            for (int f : g.findings) sum += m.probability_positive(f, static_cast<int>(l), points, std::nullopt);
            if (sum > 1.0 + sum_tolerance) {
                r.fail("/groups/" + g.id, "its exclusive states sum to " + std::to_string(sum) + " for '" + m.leaves[l].id + "'");
            }
        }
    }

    // Referral priors.
    for (const auto& [id, pr] : r.object(t, "", "priors").items()) {
        const std::string path = "/priors/" + id;
        if (id == "custom") r.fail(path, "'custom' is reserved for priors given in the case file");
        ReferralPrior rp;
        rp.id = id;
        rp.label = r.text(pr, path, "label");
        double sum = 0.0;
        for (const auto& h : m.top) {
            if (!pr.contains(h.id)) r.fail(path, "has no prior for '" + h.id + "'");
            rp.top.push_back(r.probability(pr.at(h.id), path + "/" + h.id, m.sources));
            sum += rp.top.back().value;
        }
        if (std::abs(sum - 1.0) > sum_tolerance) r.fail(path, "the priors sum to " + std::to_string(sum) + ", not 1");
        if (pr.contains("implies")) {
            if (!pr.at("implies").is_object()) r.fail(path + "/implies", "must be an object {finding: state}");
            for (const auto& [f, state] : pr.at("implies").items()) {
                if (index_of(m.findings, f) < 0) r.fail(path + "/implies/" + f, "is not a finding");
                if (state != "positive" && state != "negative") r.fail(path + "/implies/" + f, "must be positive or negative");
                rp.implies[f] = state.get<std::string>();
            }
        }
        for (const auto& [key, v] : pr.items()) {
            if (key != "label" && key != "implies" && index_of(m.top, key) < 0) r.fail(path + "/" + key, "is not a top-level hypothesis");
        }
        m.referral_priors.push_back(std::move(rp));
    }
    if (m.referral_priors.empty()) r.fail("/priors", "must hold at least one referral context");

    for (const auto& [id, f] : r.object(t, "", "red_flags").items()) {
        const std::string path = "/red_flags/" + id;
        RedFlagDefinition d{id, r.text(f, path, "label"), false, r.provenance(f, path, m.sources)};
        const std::string severity = r.text(f, path, "severity");
        if (severity != "urgent" && severity != "review") r.fail(path + "/severity", "must be urgent or review");
        d.urgent = severity == "urgent";
        m.red_flags.push_back(std::move(d));
    }
    for (const auto& [id, s] : r.object(t, "", "next_steps").items()) {
        const std::string path = "/next_steps/" + id;
        m.next_steps.push_back({id, r.text(s, path, "text"), r.provenance(s, path, m.sources)});
    }
    return m;
}

const EvidenceModel& EvidenceModel::bundled() {
    static const EvidenceModel model = from_json(signals::table(bundled_table), bundled_table);
    return model;
}

namespace {
template <class T>
int require_index(const std::vector<T>& items, std::string_view id, const char* what) {
    const int i = index_of(items, id);
    if (i < 0) throw std::out_of_range(std::string("evidence model: no ") + what + " '" + std::string(id) + "'");
    return i;
}
}  // namespace

int EvidenceModel::top_index(std::string_view id) const { return require_index(top, id, "hypothesis"); }
int EvidenceModel::leaf_index(std::string_view id) const { return require_index(leaves, id, "leaf"); }
int EvidenceModel::finding_index(std::string_view id) const { return require_index(findings, id, "finding"); }
int EvidenceModel::group_index(std::string_view id) const { return require_index(groups, id, "group"); }
bool EvidenceModel::has_finding(std::string_view id) const noexcept { return index_of(findings, id) >= 0; }
const ReferralPrior& EvidenceModel::referral_prior(std::string_view id) const {
    return referral_priors[require_index(referral_priors, id, "referral context")];
}
const RedFlagDefinition& EvidenceModel::red_flag(std::string_view id) const {
    return red_flags[require_index(red_flags, id, "red flag")];
}
const NextStepDefinition& EvidenceModel::next_step(std::string_view id) const {
    return next_steps[require_index(next_steps, id, "next step")];
}

std::vector<double> EvidenceModel::leaf_prior(const std::vector<double>& top_prior) const {
    if (top_prior.size() != top.size()) throw std::invalid_argument("leaf_prior: one prior per top-level hypothesis");
    std::vector<double> p(leaves.size());
    for (std::size_t l = 0; l < leaves.size(); ++l) p[l] = top_prior[leaves[l].parent] * subtype_prior[l].value;
    return p;
}

double EvidenceModel::probability_positive(int f, int leaf, const std::vector<double>& values,
                                           std::optional<double> age_years) const {
    const Finding& fd = findings.at(f);
    const Likelihood& lk = fd.positive_given.at(leaf);
    double p = values.at(lk.parameter);
    if (lk.complement) p = 1.0 - p;
    if (fd.age_background && age_years && *age_years > fd.age_background->over_age_years) {
        const double over = values.at(fd.age_background->parameter);
        const double base = values.at(fd.age_background->baseline_parameter);
        const double excess = std::max(0.0, (over - base) / (1.0 - base));
        p = 1.0 - (1.0 - p) * (1.0 - excess);
    }
    return p;
}

std::vector<double> EvidenceModel::point_values() const {
    std::vector<double> v;
    v.reserve(parameters.size());
    for (const auto& p : parameters) v.push_back(p.value);
    return v;
}

}  // namespace edx::diagnosis
