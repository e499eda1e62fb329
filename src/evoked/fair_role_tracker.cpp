#include "fair_role_tracker.hpp"

#include <cmath>

namespace edx::evoked::detail {

namespace {
// FNV-1a: the current position is kept as a hash so no label is stored.
std::uint64_t hash(std::string_view text) noexcept {
    std::uint64_t h = 0xcbf29ce484222325ull;
    for (const char c : text) {
        h ^= static_cast<unsigned char>(c);
        h *= 0x100000001b3ull;
    }
    return h;
}
}  // namespace

FairInputStatus FairRoleTracker::add_marker(double time_s, std::string_view position) noexcept {
    if (!std::isfinite(time_s) || position.empty()) return FairInputStatus::rejected_invalid;
    // A marker at a sweep's time applies to it, so it must come before that sweep.
    if (has_sweep_ && time_s <= last_sweep_s_) return FairInputStatus::rejected_out_of_order;
    if (has_marker_ && time_s < last_marker_s_) return FairInputStatus::rejected_out_of_order;
    const std::uint64_t h = hash(position);
    if (has_marker_ && h == position_hash_) return FairInputStatus::accepted;
    if (has_marker_ && time_s == last_marker_s_) return FairInputStatus::rejected_conflicting_marker;
    const bool fair = position == options_->fair_position;
    if (fair && !in_fair_) fair_since_s_ = time_s;
    if (!fair && in_fair_) left_fair_s_ = time_s;
    in_fair_ = fair;
    has_marker_ = true;
    last_marker_s_ = time_s;
    position_hash_ = h;
    position_since_s_ = time_s;
    return FairInputStatus::accepted;
}

FairClassified FairRoleTracker::classify(double time_s, std::string_view position,
                                         std::optional<double> h_latency_ms, bool excluded) noexcept {
    FairClassified out;
    if (!std::isfinite(time_s) || (h_latency_ms && !excluded && !std::isfinite(*h_latency_ms))) {
        out.status = FairInputStatus::rejected_invalid;
        return out;
    }
    if ((has_sweep_ && time_s < last_sweep_s_) || (has_marker_ && time_s < last_marker_s_)) {
        out.status = FairInputStatus::rejected_out_of_order;
        return out;
    }
    const bool is_fair = position == options_->fair_position;
    if (has_marker_ ? hash(position) != position_hash_ : is_fair) {
        out.status = FairInputStatus::rejected_position_mismatch;
        return out;
    }
    has_sweep_ = true;
    last_sweep_s_ = time_s;
    if (has_marker_) out.time_in_position_s = time_s - position_since_s_;

    if (excluded) {
        out.role = FairSweepRole::excluded;
    } else if (!h_latency_ms) {
        out.role = FairSweepRole::without_h;
    } else if (is_fair) {
        out.role = FairSweepRole::fair;
        out.time_in_fair_s = time_s - fair_since_s_;
    } else if (position == options_->anatomic_position) {
        const bool recovering = left_fair_s_ && time_s - *left_fair_s_ < options_->recovery_window_s;
        out.role = recovering ? FairSweepRole::recovery : FairSweepRole::anatomic;
    } else {
        out.role = FairSweepRole::other_position;
    }
    return out;
}

}  // namespace edx::evoked::detail
