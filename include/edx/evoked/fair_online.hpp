// The FAIR delay estimated incrementally for the live stream: position markers
// and measured sweeps are fed one at a time, in time order. After the last
// sweep update() gives exactly the estimate analyze_fair() gives on the same
// sweeps and markers (same code, same order, same seeded bootstrap).
//
// Real-time rules: every buffer is sized at construction (max_sweeps, O(max_sweeps)
// memory); no member function allocates, throws or locks afterwards.
// add_marker() and add_sweep() do bounded bookkeeping (O(max_sweeps) at worst).
// update() runs the whole estimate from scratch, bootstrap and permutation test
// included: (bootstrap_resamples + permutations) passes of O(n log n) over the
// n sweeps held, so its cost grows with the session and is bounded by
// max_sweeps (256 by default: about 0.4 s of one core, against 4 ms for a
// 30-sweep protocol; tools/bench/bench_fair prints both). It is the heaviest
// step: call it once per completed sweep (every 2 s at 0.5 Hz), off the
// sample path, and keep max_sweeps to what that cadence allows.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include "edx/evoked/fair_estimate.hpp"

namespace edx::evoked {

enum class FairInputStatus {
    accepted,
    rejected_invalid,            // non-finite time or latency
    rejected_out_of_order,       // earlier than a sweep or marker already given (or a marker at a given sweep's time)
    rejected_conflicting_marker, // a marker at the time of another with a different position
    rejected_position_mismatch,  // the sweep's position is not the one the last marker set, or FAIR without a FAIR marker
    rejected_capacity,           // max_sweeps usable sweeps already held
};
// "accepted", "rejected_invalid", ...
std::string_view to_string(FairInputStatus status) noexcept;

struct FairOnlineConfig {
    FairOptions options;
    std::size_t max_sweeps = 256;  // anatomic baseline + FAIR sweeps held (other sweeps are only counted)

    void validate() const;  // throws std::invalid_argument naming the field
};

namespace detail {
class FairOnlineState;
}

class FairOnline {
public:
    // Allocates everything; throws std::invalid_argument on a bad config.
    explicit FairOnline(const FairOnlineConfig& config);
    ~FairOnline();
    FairOnline(FairOnline&&) noexcept;
    FairOnline& operator=(FairOnline&&) noexcept;
    FairOnline(const FairOnline&) = delete;
    FairOnline& operator=(const FairOnline&) = delete;

    // From time_s on the limb is in `position` (e.g. "fair").
    FairInputStatus add_marker(double time_s, std::string_view position) noexcept;
    // One measured sweep: `position` is the position=<value> in force (empty
    // before any marker), h_latency_ms unset when no H-wave was found.
    FairInputStatus add_sweep(double time_s, std::string_view position, std::optional<double> h_latency_ms,
                              bool excluded) noexcept;

    // Recomputes the estimate from every sweep accepted so far.
    const FairEstimate& update() noexcept;
    const FairEstimate& estimate() const noexcept;  // as of the last update()
    const FairCounts& counts() const noexcept;
    std::size_t rejected() const noexcept;  // inputs refused, of any kind
    std::size_t capacity() const noexcept;

private:
    std::unique_ptr<detail::FairOnlineState> state_;
};

}  // namespace edx::evoked
