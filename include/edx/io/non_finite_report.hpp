// Non-finite samples are data, not a format error: they are counted, located
// and kept out of every measurement. NonFiniteCounter builds the report while
// samples stream past, so runs merge correctly however many there are.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace edx {

// A stretch of consecutive NaN or infinite samples on one channel. In sweep
// form `sweep` names the sweep and `first_sample` counts within it; in
// continuous form `sweep` is 0 and `first_sample` is the frame index.
struct NonFiniteRun {
    std::uint64_t sweep = 0;
    std::uint64_t first_sample = 0;
    std::uint64_t length = 0;
    std::uint32_t channel = 0;
};

struct NonFiniteReport {
    static constexpr std::size_t max_listed_runs = 64;

    std::uint64_t count = 0;       // non-finite samples in all
    std::uint64_t run_count = 0;   // runs found, listed or not
    std::vector<NonFiniteRun> runs;  // the first max_listed_runs runs, in order
    std::vector<std::uint64_t> sweeps_affected;  // sweep form: every sweep holding one, ascending
};

class NonFiniteCounter {
public:
    // sweep_form: also fill sweeps_affected (sweeps must then arrive in order).
    NonFiniteCounter(std::size_t channels, bool sweep_form);

    // One non-finite sample; the samples of a channel arrive in increasing order.
    void add(std::uint64_t sweep, std::uint64_t sample, std::uint32_t channel);

    const NonFiniteReport& report() const noexcept { return report_; }
    NonFiniteReport take() { return std::move(report_); }

private:
    struct OpenRun {
        bool active = false;
        std::uint64_t sweep = 0;
        std::uint64_t next_sample = 0;
        std::int64_t listed = -1;  // index in report_.runs, or -1 once the list is full
    };
    NonFiniteReport report_;
    std::vector<OpenRun> open_;
    bool sweep_form_;
};

}  // namespace edx
