#include "edx/dsp/sweep_cutter.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace edx::dsp {

SweepCutter::SweepCutter(const SweepCutterConfig& config) : channels_(config.channels) {
    const double fs = config.sample_rate_hz;
    if (!(std::isfinite(fs) && fs > 0)) throw std::invalid_argument("sweep cutter sample_rate_hz must be positive");
    if (config.channels == 0) throw std::invalid_argument("sweep cutter channels must be at least 1");
    if (!(std::isfinite(config.pre_trigger_s) && config.pre_trigger_s >= 0)) {
        throw std::invalid_argument("sweep cutter pre_trigger_s must be 0 or more");
    }
    if (!(std::isfinite(config.post_trigger_s) && config.post_trigger_s > 0)) {
        throw std::invalid_argument("sweep cutter post_trigger_s must be positive");
    }
    if (config.slots == 0) throw std::invalid_argument("sweep cutter slots must be at least 1");
    pre_ = static_cast<std::size_t>(std::lround(config.pre_trigger_s * fs));
    post_ = static_cast<std::size_t>(std::lround(config.post_trigger_s * fs));
    if (post_ == 0) throw std::invalid_argument("sweep cutter post_trigger_s is shorter than one sample");
    // The ring holds one sweep length: a stimulus may then be announced up to
    // post-trigger frames after it happened and still get its history.
    capacity_ = pre_ + post_;
    ring_.assign(capacity_ * channels_, std::numeric_limits<float>::quiet_NaN());
    ring_missing_.assign(capacity_, 1);
    storage_.assign(config.slots * capacity_ * channels_, 0.0f);
    slots_.assign(config.slots, Slot{});
    queue_.assign(config.slots, 0);
}

// Copies what the ring holds of the slot's sweep that the slot lacks.
void SweepCutter::fill(Slot& slot, std::size_t slot_index) noexcept {
    const std::int64_t first = slot.stimulus - static_cast<std::int64_t>(pre_);
    const std::size_t length = pre_ + post_;
    float* dst = storage_.data() + slot_index * length * channels_;
    const std::int64_t oldest_in_ring = position_ - static_cast<std::int64_t>(capacity_);
    while (slot.filled < length) {
        const std::int64_t f = first + static_cast<std::int64_t>(slot.filled);
        if (f >= position_) break;
        float* row = dst + slot.filled * channels_;
        if (f < 0 || f < oldest_in_ring) {
            // Before the stream began, or already overwritten: missing.
            for (std::size_t c = 0; c < channels_; ++c) row[c] = std::numeric_limits<float>::quiet_NaN();
            slot.flags.missing_data = true;
        } else {
            const auto r = static_cast<std::size_t>(f % static_cast<std::int64_t>(capacity_));
            const float* src = ring_.data() + r * channels_;
            if (ring_missing_[r]) {
                for (std::size_t c = 0; c < channels_; ++c) row[c] = std::numeric_limits<float>::quiet_NaN();
                slot.flags.missing_data = true;
            } else {
                for (std::size_t c = 0; c < channels_; ++c) {
                    row[c] = src[c];
                    if (!std::isfinite(src[c])) slot.flags.non_finite = true;
                }
            }
        }
        ++slot.filled;
    }
}

bool SweepCutter::push(std::span<const float> frames) noexcept {
    if (frames.size() % channels_ != 0) return false;
    std::size_t n = frames.size() / channels_;
    std::size_t offset = 0;
    // Feed in pieces no longer than the ring, so every open sweep copies its
    // frames before the ring overwrites them.
    while (n > 0) {
        const std::size_t piece = std::min(n, capacity_);
        for (std::size_t i = 0; i < piece; ++i) {
            const auto r = static_cast<std::size_t>((position_ + static_cast<std::int64_t>(i)) %
                                                    static_cast<std::int64_t>(capacity_));
            const float* src = frames.data() + (offset + i) * channels_;
            std::copy(src, src + channels_, ring_.data() + r * channels_);
            ring_missing_[r] = 0;
        }
        position_ += static_cast<std::int64_t>(piece);
        for (std::size_t q = 0; q < queue_count_; ++q) {
            const std::size_t idx = queue_[(queue_head_ + q) % queue_.size()];
            fill(slots_[idx], idx);
        }
        offset += piece;
        n -= piece;
    }
    return true;
}

void SweepCutter::gap(std::uint64_t frames) noexcept {
    // Frames older than one ring length are gone whatever they were: jump
    // over them (open sweeps then see them as missing), and mark only the
    // last ring's worth, so the work is bounded by the sweep length.
    const std::uint64_t marked = std::min<std::uint64_t>(frames, capacity_);
    position_ += static_cast<std::int64_t>(frames - marked);
    for (std::uint64_t i = 0; i < marked; ++i) {
        const auto r = static_cast<std::size_t>((position_ + static_cast<std::int64_t>(i)) %
                                                static_cast<std::int64_t>(capacity_));
        ring_missing_[r] = 1;
    }
    position_ += static_cast<std::int64_t>(marked);
    for (std::size_t q = 0; q < queue_count_; ++q) {
        const std::size_t idx = queue_[(queue_head_ + q) % queue_.size()];
        fill(slots_[idx], idx);
    }
}

bool SweepCutter::stimulus(std::int64_t frame) noexcept {
    if (frame < last_stimulus_ || queue_count_ == queue_.size()) {
        ++dropped_;
        return false;
    }
    last_stimulus_ = frame;
    // The free slot: queue entries are the taken ones; find one not among them.
    std::size_t free_idx = slots_.size();
    for (std::size_t i = 0; i < slots_.size() && free_idx == slots_.size(); ++i) {
        bool taken = false;
        for (std::size_t q = 0; q < queue_count_; ++q) taken = taken || queue_[(queue_head_ + q) % queue_.size()] == i;
        if (!taken) free_idx = i;
    }
    Slot& slot = slots_[free_idx];
    slot = Slot{};
    slot.stimulus = frame;
    queue_[(queue_head_ + queue_count_) % queue_.size()] = free_idx;
    ++queue_count_;
    fill(slot, free_idx);
    return true;
}

bool SweepCutter::next(Sweep& sweep) const noexcept {
    if (queue_count_ == 0) return false;
    const std::size_t idx = queue_[queue_head_];
    const Slot& slot = slots_[idx];
    const std::size_t length = pre_ + post_;
    if (slot.filled < length) return false;
    sweep.stimulus_frame = slot.stimulus;
    sweep.first_frame = slot.stimulus - static_cast<std::int64_t>(pre_);
    sweep.frames = length;
    sweep.channels = channels_;
    sweep.flags = slot.flags;
    sweep.samples = std::span<const float>(storage_.data() + idx * length * channels_, length * channels_);
    return true;
}

void SweepCutter::release() noexcept {
    if (queue_count_ == 0) return;
    const Slot& slot = slots_[queue_[queue_head_]];
    if (slot.filled < pre_ + post_) return;
    queue_head_ = (queue_head_ + 1) % queue_.size();
    --queue_count_;
    ++completed_;
}

}  // namespace edx::dsp
