#include "snap_findings.hpp"

#include <cmath>
#include <map>
#include <string>
#include <utility>

namespace edx::analysis {

std::vector<emg::SnapFinding> snap_findings(std::span<const evoked::NcsMeasure> measures) {
    std::map<std::pair<std::string, std::string>, const evoked::NcsMeasure*> first;
    for (const auto& m : measures) {
        if (m.kind != "sensory_ncs" || m.side.empty()) continue;
        first.try_emplace({m.nerve, m.side}, &m);
    }
    auto usable = [](const evoked::NcsMeasure* m) {
        return m && m->present && m->amplitude_mv && std::isfinite(*m->amplitude_mv) && std::abs(*m->amplitude_mv) > 0.0;
    };
    std::vector<emg::SnapFinding> out;
    for (const auto& [key, m] : first) {
        const auto& [nerve, side] = key;
        const std::string other_side = side == "left" ? "right" : side == "right" ? "left" : "";
        const auto it = first.find({nerve, other_side});
        const evoked::NcsMeasure* other = it == first.end() ? nullptr : it->second;
        emg::SnapFinding f;
        f.nerve = nerve;
        f.side = side;
        if (!m->present) {
            f.reduced = true;
        } else if (usable(m) && usable(other)) {
            f.amplitude_ratio = std::abs(*m->amplitude_mv) / std::abs(*other->amplitude_mv);
        } else {
            continue;
        }
        out.push_back(std::move(f));
    }
    return out;
}

}  // namespace edx::analysis
