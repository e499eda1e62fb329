#include "edx/emg/localisation.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <stdexcept>

#include "edx/signals/table.hpp"

namespace edx::emg {

namespace {

constexpr const char* anatomy_table = "anatomy/lower_limb_muscles.json";
constexpr const char* rules_table = "anatomy/localisation_rules.json";

const nlohmann::json& site_entry(std::string_view site) {
    const auto& sites = signals::table(rules_table).at("sites");
    const std::string key(site);
    if (!sites.contains(key)) throw std::out_of_range("no localisation site '" + key + "' in signals/" + rules_table);
    return sites.at(key);
}

const nlohmann::json& anatomy_entry(std::string_view group, std::string_view name) {
    const auto& entries = signals::table(anatomy_table).at(std::string(group));
    const std::string key(name);
    if (!entries.contains(key)) throw std::out_of_range("'" + key + "' is not in signals/" + std::string(anatomy_table) + " " + std::string(group));
    return entries.at(key);
}

bool passes(const nlohmann::json& entry, std::string_view where) {
    for (const auto& p : entry.at("passes")) {
        if (p.get<std::string>() == where) return true;
    }
    return false;
}

std::string label_of(const std::string& muscle) {
    const auto& m = signals::table(anatomy_table).at("muscles");
    return m.contains(muscle) ? m.at(muscle).at("label").get<std::string>() : muscle;
}

std::string why_expected(std::string_view site, const std::string& muscle, Expectation e) {
    const auto& m = anatomy_entry("muscles", muscle);
    const auto& s = site_entry(site);
    const std::string nerve = m.at("nerve").get<std::string>();
    if (site == "none") return "no lesion predicts it normal";
    if (s.contains("root")) {
        const std::string root = s.at("root").get<std::string>();
        if (e == Expectation::involved) return nerve == "dorsal_ramus" ? root + " paraspinal" : root + " is its main root";
        if (e == Expectation::partly) return root + " is a minor root of it";
        return root + " is not among its roots";
    }
    const std::string where = s.at("site").get<std::string>();
    if (where == "sciatic_deep_gluteal") {
        if (e == Expectation::involved) return "peroneal division of the sciatic nerve";
        if (e == Expectation::partly) return "tibial division of the sciatic nerve (peroneal predominance)";
        return nerve == "dorsal_ramus" ? "its nerve leaves the root before the plexus" : "its nerve (" + nerve + ") leaves above the deep gluteal space";
    }
    if (where == "peroneal_fibular_head") {
        if (e == Expectation::involved) return "its axons pass the fibular head";
        return muscle == "short_head_biceps_femoris" ? "its branch leaves the sciatic nerve above the knee" : "its axons do not pass the fibular head";
    }
    if (e == Expectation::involved) return "its axons pass the sacral plexus from L5/S1";
    if (e == Expectation::partly) return "L5/S1 are minor roots of it";
    return nerve == "dorsal_ramus" ? "dorsal rami leave before the plexus" : "outside the lumbosacral trunk and sacral plexus";
}

std::string fmt2(double v) {
    char b[32];
    std::snprintf(b, sizeof b, "%.2f", v);
    return b;
}

// The muscles of a group, in words: "tibialis anterior, peroneus longus".
std::string list(const std::vector<std::string>& names) {
    std::string s;
    for (std::size_t i = 0; i < names.size(); ++i) s += (i ? ", " : "") + label_of(names[i]);
    return s;
}

std::string group_of(const std::string& muscle) {
    const auto& m = anatomy_entry("muscles", muscle);
    const std::string nerve = m.at("nerve").get<std::string>();
    const std::string division = m.at("sciatic_division").get<std::string>();
    if (nerve == "dorsal_ramus") return "paraspinal";
    if (nerve == "superior_gluteal" || nerve == "inferior_gluteal") return "gluteal";
    if (division == "peroneal") return "peroneal-division";
    if (division == "tibial") return "tibial-division";
    return "other";
}

std::string describe_pattern(const std::vector<const MuscleFinding*>& findings, const std::vector<const SnapFinding*>& snaps,
                             double ratio_below) {
    const std::vector<std::string> order = {"peroneal-division", "tibial-division", "gluteal", "paraspinal", "other"};
    std::map<std::string, std::vector<std::string>> abnormal, normal;
    for (const auto* f : findings) (f->abnormal ? abnormal : normal)[group_of(f->muscle)].push_back(f->muscle);
    std::string s;
    if (abnormal.empty()) {
        s = "No denervation or neuropathic change in the " + std::to_string(findings.size()) + " muscles sampled.";
    } else {
        std::vector<std::string> parts;
        for (const auto& g : order) {
            if (!abnormal.count(g)) continue;
            std::string part = g + " muscles (" + list(abnormal[g]) + ")";
            if (g == "peroneal-division" &&
                std::count(abnormal[g].begin(), abnormal[g].end(), std::string("short_head_biceps_femoris"))) {
                part += ", including the short head of biceps femoris";
            }
            parts.push_back(part);
        }
        s = abnormal.size() == 1 ? "Denervation confined to " : "Denervation in ";
        for (std::size_t i = 0; i < parts.size(); ++i) s += (i ? (i + 1 == parts.size() ? " and " : "; ") : "") + parts[i];
        s += ".";
        std::vector<std::string> spared;
        for (const auto& g : order) {
            if (normal.count(g) && !abnormal.count(g)) spared.push_back(g + " muscles (" + list(normal[g]) + ")");
        }
        const auto& pd = normal["peroneal-division"];
        if (abnormal.count("peroneal-division") && std::count(pd.begin(), pd.end(), std::string("short_head_biceps_femoris"))) {
            spared.push_back("the short head of biceps femoris");
        }
        if (!spared.empty()) {
            s += " Spared: ";
            for (std::size_t i = 0; i < spared.size(); ++i) s += (i ? "; " : "") + spared[i];
            s += ".";
        }
    }
    if (snaps.empty()) {
        s += " No SNAP findings given.";
    } else {
        s += " SNAPs:";
        for (std::size_t i = 0; i < snaps.size(); ++i) {
            const auto r = snaps[i]->is_reduced(ratio_below);
            s += std::string(i ? "," : "") + " " + snaps[i]->nerve + (r ? (*r ? " reduced" : " normal") : " not judged");
            if (snaps[i]->amplitude_ratio) s += " (ratio " + fmt2(*snaps[i]->amplitude_ratio) + ")";
        }
        s += ".";
    }
    return s;
}

}  // namespace

std::optional<bool> SnapFinding::is_reduced(double ratio_below) const noexcept {
    if (reduced) return reduced;
    if (amplitude_ratio) return *amplitude_ratio < ratio_below;
    return std::nullopt;
}

std::string_view to_string(Expectation e) noexcept {
    switch (e) {
        case Expectation::involved: return "involved";
        case Expectation::partly: return "partly";
        case Expectation::spared: return "spared";
    }
    return "unknown";
}

std::vector<std::string> candidate_sites() {
    std::vector<std::string> out;
    for (const auto& [name, entry] : signals::table(rules_table).at("sites").items()) out.push_back(name);
    return out;
}

Expectation expected_for_muscle(std::string_view site, std::string_view muscle) {
    const auto& s = site_entry(site);
    const auto& m = anatomy_entry("muscles", muscle);
    if (site == "none") return Expectation::spared;
    const auto& roots = m.at("roots");
    if (s.contains("root")) {
        const std::string root = s.at("root").get<std::string>();
        if (!roots.contains(root)) return Expectation::spared;
        if (m.at("nerve") == "dorsal_ramus") return Expectation::involved;
        return roots.at(root) == "major" ? Expectation::involved : Expectation::partly;
    }
    const std::string where = s.at("site").get<std::string>();
    if (!passes(m, where)) return Expectation::spared;
    if (where == "plexus") {
        Expectation e = Expectation::spared;
        for (const auto& r : s.at("plexus_roots")) {
            const std::string root = r.get<std::string>();
            if (!roots.contains(root)) continue;
            if (roots.at(root) == "major") return Expectation::involved;
            e = Expectation::partly;
        }
        return e;
    }
    if (where == "sciatic_deep_gluteal") {
        return m.at("sciatic_division") == "peroneal" ? Expectation::involved : Expectation::partly;
    }
    return Expectation::involved;
}

Expectation expected_for_snap(std::string_view site, std::string_view nerve) {
    const auto& s = site_entry(site);
    const auto& n = anatomy_entry("sensory_nerves", nerve);
    if (site == "none" || s.contains("root")) return Expectation::spared;  // roots: the ganglion lies distal
    return passes(n, s.at("site").get<std::string>()) ? Expectation::involved : Expectation::spared;
}

std::vector<Localisation> localise(const std::vector<MuscleFinding>& muscles, const std::vector<SnapFinding>& snaps) {
    auto rule = [](const char* pointer) { return signals::constant(rules_table, pointer); };
    const double p_involved = rule("/muscle/abnormal_if_involved");
    const double p_partly = rule("/muscle/abnormal_if_partly");
    const double p_spared = rule("/muscle/abnormal_if_spared");
    const double ratio_below = rule("/snap/reduced_ratio_below");
    const double snap_expected = rule("/snap/reduced_if_expected");
    const double snap_spared = rule("/snap/reduced_if_spared");
    const auto& anatomy = signals::table(anatomy_table);

    std::set<std::string> sides;
    for (const auto& m : muscles) sides.insert(m.side);
    std::vector<Localisation> out;
    for (const auto& side : sides) {
        Localisation loc;
        loc.side = side;
        std::vector<const MuscleFinding*> found;
        for (const auto& m : muscles) {
            if (m.side != side) continue;
            if (!anatomy.at("muscles").contains(m.muscle)) {
                loc.ignored.push_back(m.muscle + ": not in signals/" + std::string(anatomy_table) + ", cannot be placed");
                continue;
            }
            found.push_back(&m);
        }
        std::vector<const SnapFinding*> side_snaps;
        for (const auto& s : snaps) {
            if (s.side != side) continue;
            if (!anatomy.at("sensory_nerves").contains(s.nerve)) {
                loc.ignored.push_back("SNAP " + s.nerve + ": not in signals/" + std::string(anatomy_table));
                continue;
            }
            if (!s.is_reduced(ratio_below)) {
                loc.ignored.push_back("SNAP " + s.nerve + ": neither an amplitude ratio nor a judgement given");
                continue;
            }
            side_snaps.push_back(&s);
        }
        if (found.empty()) continue;
        loc.pattern = describe_pattern(found, side_snaps, ratio_below);

        for (const auto& site : candidate_sites()) {
            SiteScore sc;
            sc.site = site;
            sc.label = site_entry(site).at("label").get<std::string>();
            for (const auto* f : found) {
                const auto e = expected_for_muscle(site, f->muscle);
                const double p = e == Expectation::involved ? p_involved : e == Expectation::partly ? p_partly : p_spared;
                sc.log_likelihood += std::log(f->abnormal ? p : 1.0 - p);
                const std::string what = label_of(f->muscle) + " " + (f->abnormal ? "abnormal" : "normal") +
                                         (f->summary.empty() ? "" : " (" + f->summary + ")");
                const std::string because = why_expected(site, f->muscle, e);
                if (f->abnormal && e != Expectation::spared) sc.for_site.push_back(what + ": " + because);
                if (f->abnormal && e == Expectation::spared) sc.against_site.push_back(what + ", which it spares: " + because);
                if (!f->abnormal && e == Expectation::spared && site != "none") sc.for_site.push_back(what + ", as expected: " + because);
                if (!f->abnormal && e == Expectation::involved) sc.against_site.push_back(what + " although it is reached: " + because);
            }
            for (const auto* s : side_snaps) {
                const bool reduced = *s->is_reduced(ratio_below);
                const auto e = expected_for_snap(site, s->nerve);
                const double p = e == Expectation::spared ? snap_spared : snap_expected;
                sc.log_likelihood += std::log(reduced ? p : 1.0 - p);
                const std::string what = s->nerve + " SNAP " + (reduced ? "reduced" : "normal") +
                                         (s->amplitude_ratio ? " (ratio " + fmt2(*s->amplitude_ratio) + ")" : "");
                const std::string because = e == Expectation::spared
                                                ? (site_entry(site).contains("root") ? "the dorsal root ganglion lies distal to a root lesion"
                                                                                      : "the site does not reach this nerve")
                                                : "the site reaches the nerve's fibres";
                if (reduced == (e != Expectation::spared)) {
                    sc.for_site.push_back(what + ": " + because);
                } else {
                    sc.against_site.push_back(what + ", " + (reduced ? "not expected: " : "expected reduced: ") + because);
                }
            }
            loc.ranked.push_back(std::move(sc));
        }
        double best = -std::numeric_limits<double>::infinity();
        for (const auto& s : loc.ranked) best = std::max(best, s.log_likelihood);
        double total = 0.0;
        for (auto& s : loc.ranked) total += std::exp(s.log_likelihood - best);
        for (auto& s : loc.ranked) s.score = std::exp(s.log_likelihood - best) / total;
        std::stable_sort(loc.ranked.begin(), loc.ranked.end(), [](const SiteScore& a, const SiteScore& b) { return a.score > b.score; });
        out.push_back(std::move(loc));
    }
    return out;
}

}  // namespace edx::emg
