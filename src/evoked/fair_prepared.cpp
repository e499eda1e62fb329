#include "fair_prepared.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <sstream>
#include <stdexcept>
#include <string>

namespace edx::evoked::detail {

namespace {

std::string seconds(double t) {
    std::ostringstream s;
    s << t << " s";
    return s.str();
}

std::string quoted(const std::string& text) { return "'" + text + "'"; }

// The marker in force at time_s (markers sorted by time), if any.
const FairMarker* marker_at(const std::vector<const FairMarker*>& sorted, double time_s) {
    const FairMarker* last = nullptr;
    for (const auto* m : sorted) {
        if (m->time_s > time_s) break;
        last = m;
    }
    return last;
}

std::string sweep_name(const FairTimeCourse& course, std::size_t i) {
    const auto& s = course.sweeps[i];
    return course.name + ": sweeps[" + std::to_string(i) + "] (sweep " + std::to_string(s.sweep_index) + " at " +
           seconds(s.time_s) + ")";
}

}  // namespace

FairPrepared prepare_fair(const FairTimeCourse& course, const FairOptions& options) {
    const std::size_t n = course.sweeps.size();
    for (std::size_t i = 0; i < course.markers.size(); ++i) {
        const auto& m = course.markers[i];
        const std::string where = course.name + ": markers[" + std::to_string(i) + "]";
        if (!std::isfinite(m.time_s)) throw std::invalid_argument(where + ": time_s must be finite");
        if (m.position.empty()) throw std::invalid_argument(where + ": position must not be empty");
    }
    for (std::size_t i = 0; i < n; ++i) {
        const auto& s = course.sweeps[i];
        if (!std::isfinite(s.time_s)) throw std::invalid_argument(sweep_name(course, i) + ": time_s must be finite");
        if (s.h_latency_ms && !s.excluded && !std::isfinite(*s.h_latency_ms))
            throw std::invalid_argument(sweep_name(course, i) + ": h_latency_ms must be finite");
    }

    // Time order; the list order breaks ties, as arrival order does online.
    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return course.sweeps[a].time_s < course.sweeps[b].time_s; });
    std::vector<const FairMarker*> markers;
    for (const auto& m : course.markers) markers.push_back(&m);
    std::stable_sort(markers.begin(), markers.end(),
                     [](const FairMarker* a, const FairMarker* b) { return a->time_s < b->time_s; });

    FairRoleTracker tracker(options);
    std::size_t next_marker = 0;
    auto feed_marker = [&]() {
        const FairMarker& m = *markers[next_marker++];
        const FairInputStatus status = tracker.add_marker(m.time_s, m.position);
        if (status == FairInputStatus::rejected_conflicting_marker) {
            throw std::invalid_argument(course.name + ": two position markers at " + seconds(m.time_s) +
                                        " set different positions (" + quoted(m.position) + " and another)");
        }
        if (status != FairInputStatus::accepted) {
            throw std::invalid_argument(course.name + ": position marker " + quoted(m.position) + " at " +
                                        seconds(m.time_s) + " refused (" + std::string(to_string(status)) + ")");
        }
    };
    std::vector<FairClassified> classified(n);
    for (const std::size_t i : order) {
        const auto& s = course.sweeps[i];
        while (next_marker < markers.size() && markers[next_marker]->time_s <= s.time_s) feed_marker();
        classified[i] = tracker.classify(s.time_s, s.position, s.h_latency_ms, s.excluded);
        if (classified[i].status == FairInputStatus::rejected_position_mismatch) {
            const FairMarker* m = marker_at(markers, s.time_s);
            throw std::invalid_argument(
                sweep_name(course, i) + ": position " + quoted(s.position) +
                (m ? " but the last position marker before it (at " + seconds(m->time_s) + ") set " +
                         quoted(m->position)
                   : " but no position marker precedes it (a FAIR sweep needs one: its time in FAIR is unknown)"));
        }
        if (classified[i].status != FairInputStatus::accepted) {
            throw std::invalid_argument(sweep_name(course, i) + ": refused (" +
                                        std::string(to_string(classified[i].status)) + ")");
        }
    }
    while (next_marker < markers.size()) feed_marker();

    FairPrepared out;
    out.counts.sweeps = static_cast<int>(n);
    struct FairEntry {
        double time_in_fair_s;
        std::size_t rank;  // position in time order
        std::size_t sweep;
    };
    std::vector<FairEntry> fair_entries;
    for (std::size_t r = 0; r < n; ++r) {
        const std::size_t i = order[r];
        switch (classified[i].role) {
            case FairSweepRole::anatomic:
                out.baseline.push_back(*course.sweeps[i].h_latency_ms);
                ++out.counts.anatomic;
                break;
            case FairSweepRole::fair:
                fair_entries.push_back({classified[i].time_in_fair_s, r, i});
                ++out.counts.fair;
                break;
            case FairSweepRole::recovery:
                ++out.counts.recovery;
                break;
            case FairSweepRole::other_position:
                ++out.counts.other_position;
                break;
            case FairSweepRole::without_h:
                ++out.counts.without_h;
                break;
            case FairSweepRole::excluded:
                ++out.counts.excluded;
                break;
            case FairSweepRole::fair_developing:  // assigned by the analysis once the onset is known
                break;
        }
    }
    // Ordered by time in FAIR (pooling repeated FAIR stays), then by arrival.
    std::sort(fair_entries.begin(), fair_entries.end(), [](const FairEntry& a, const FairEntry& b) {
        return a.time_in_fair_s < b.time_in_fair_s || (a.time_in_fair_s == b.time_in_fair_s && a.rank < b.rank);
    });
    for (const auto& e : fair_entries) {
        out.fair.push_back(*course.sweeps[e.sweep].h_latency_ms);
        out.fair_time_s.push_back(e.time_in_fair_s);
        out.fair_sweep.push_back(e.sweep);
    }
    out.order = std::move(order);
    out.classified = std::move(classified);
    return out;
}

}  // namespace edx::evoked::detail
