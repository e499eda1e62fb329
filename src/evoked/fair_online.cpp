#include "edx/evoked/fair_online.hpp"

#include <stdexcept>
#include <string>
#include <vector>

#include "fair_kernel.hpp"
#include "fair_role_tracker.hpp"

namespace edx::evoked {

namespace detail {

class FairOnlineState {
public:
    explicit FairOnlineState(const FairOnlineConfig& config)
        : options_(config.options),
          tracker_(options_),
          max_(config.max_sweeps),
          baseline_(max_),
          fair_(max_),
          fair_time_(max_),
          workspace_(max_, options_.bootstrap_resamples) {
        estimate_.criterion_ms = options_.criterion_ms;
        estimate_.alpha = options_.alpha;
        estimate_.permutations = options_.permutations;
        estimate_.bootstrap_resamples = options_.bootstrap_resamples;
    }

    FairInputStatus add_marker(double time_s, std::string_view position) noexcept {
        const FairInputStatus status = tracker_.add_marker(time_s, position);
        if (status != FairInputStatus::accepted) ++rejected_;
        return status;
    }

    FairInputStatus add_sweep(double time_s, std::string_view position, std::optional<double> latency,
                              bool excluded) noexcept {
        FairRoleTracker probe = tracker_;  // commit only once the sweep fits
        const FairClassified c = probe.classify(time_s, position, latency, excluded);
        if (c.status != FairInputStatus::accepted) {
            ++rejected_;
            return c.status;
        }
        const bool held = c.role == FairSweepRole::anatomic || c.role == FairSweepRole::fair;
        if (held && na_ + nf_ >= max_) {
            ++rejected_;
            return FairInputStatus::rejected_capacity;
        }
        tracker_ = probe;
        ++counts_.sweeps;
        switch (c.role) {
            case FairSweepRole::anatomic:
                baseline_[na_++] = *latency;
                ++counts_.anatomic;
                break;
            case FairSweepRole::fair: {
                // Kept in order of time in FAIR; equal times keep arrival order (as offline).
                std::size_t at = nf_;
                while (at > 0 && fair_time_[at - 1] > c.time_in_fair_s) {
                    fair_[at] = fair_[at - 1];
                    fair_time_[at] = fair_time_[at - 1];
                    --at;
                }
                fair_[at] = *latency;
                fair_time_[at] = c.time_in_fair_s;
                ++nf_;
                ++counts_.fair;
                break;
            }
            case FairSweepRole::recovery:
                ++counts_.recovery;
                break;
            case FairSweepRole::other_position:
                ++counts_.other_position;
                break;
            case FairSweepRole::without_h:
                ++counts_.without_h;
                break;
            case FairSweepRole::excluded:
                ++counts_.excluded;
                break;
            case FairSweepRole::fair_developing:
                break;
        }
        return FairInputStatus::accepted;
    }

    const FairEstimate& update() noexcept {
        workspace_.estimate(std::span<const double>(baseline_).first(na_), std::span<const double>(fair_).first(nf_),
                            std::span<const double>(fair_time_).first(nf_), options_, estimate_);
        return estimate_;
    }

    const FairEstimate& estimate() const noexcept { return estimate_; }
    const FairCounts& counts() const noexcept { return counts_; }
    std::size_t rejected() const noexcept { return rejected_; }
    std::size_t capacity() const noexcept { return max_; }

private:
    FairOptions options_;
    FairRoleTracker tracker_;
    std::size_t max_;
    std::vector<double> baseline_, fair_, fair_time_;
    std::size_t na_ = 0, nf_ = 0;
    FairWorkspace workspace_;
    FairEstimate estimate_;
    FairCounts counts_;
    std::size_t rejected_ = 0;
};

}  // namespace detail

std::string_view to_string(FairInputStatus status) noexcept {
    switch (status) {
        case FairInputStatus::accepted:
            return "accepted";
        case FairInputStatus::rejected_invalid:
            return "rejected_invalid";
        case FairInputStatus::rejected_out_of_order:
            return "rejected_out_of_order";
        case FairInputStatus::rejected_conflicting_marker:
            return "rejected_conflicting_marker";
        case FairInputStatus::rejected_position_mismatch:
            return "rejected_position_mismatch";
        case FairInputStatus::rejected_capacity:
            return "rejected_capacity";
    }
    return "unknown";
}

void FairOnlineConfig::validate() const {
    options.validate();
    // Memory is O(max_sweeps); the bound keeps update() (O(n log n) per
    // replicate and permutation) within seconds.
    if (max_sweeps < 2 || max_sweeps > 4096)
        throw std::invalid_argument("FairOnlineConfig.max_sweeps must be in 2..4096");
}

FairOnline::FairOnline(const FairOnlineConfig& config) {
    config.validate();
    state_ = std::make_unique<detail::FairOnlineState>(config);
}
FairOnline::~FairOnline() = default;
FairOnline::FairOnline(FairOnline&&) noexcept = default;
FairOnline& FairOnline::operator=(FairOnline&&) noexcept = default;

FairInputStatus FairOnline::add_marker(double time_s, std::string_view position) noexcept {
    return state_->add_marker(time_s, position);
}
FairInputStatus FairOnline::add_sweep(double time_s, std::string_view position, std::optional<double> h_latency_ms,
                                      bool excluded) noexcept {
    return state_->add_sweep(time_s, position, h_latency_ms, excluded);
}
const FairEstimate& FairOnline::update() noexcept { return state_->update(); }
const FairEstimate& FairOnline::estimate() const noexcept { return state_->estimate(); }
const FairCounts& FairOnline::counts() const noexcept { return state_->counts(); }
std::size_t FairOnline::rejected() const noexcept { return state_->rejected(); }
std::size_t FairOnline::capacity() const noexcept { return state_->capacity(); }

}  // namespace edx::evoked
