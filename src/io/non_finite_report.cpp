#include "edx/io/non_finite_report.hpp"

#include <utility>

namespace edx {

NonFiniteCounter::NonFiniteCounter(std::size_t channels, bool sweep_form)
    : open_(channels), sweep_form_(sweep_form) {}

void NonFiniteCounter::add(std::uint64_t sweep, std::uint64_t sample, std::uint32_t channel) {
    ++report_.count;
    OpenRun& open = open_.at(channel);
    if (open.active && open.sweep == sweep && open.next_sample == sample) {
        if (open.listed >= 0) ++report_.runs[static_cast<std::size_t>(open.listed)].length;
        ++open.next_sample;
    } else {
        ++report_.run_count;
        std::int64_t listed = -1;
        if (report_.runs.size() < NonFiniteReport::max_listed_runs) {
            listed = static_cast<std::int64_t>(report_.runs.size());
            report_.runs.push_back({sweep, sample, 1, channel});
        }
        open = {true, sweep, sample + 1, listed};
    }
    if (sweep_form_ && (report_.sweeps_affected.empty() || report_.sweeps_affected.back() != sweep)) {
        report_.sweeps_affected.push_back(sweep);
    }
}

}  // namespace edx
