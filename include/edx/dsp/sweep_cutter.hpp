// Cuts stimulus-locked sweeps out of a continuous multi-channel stream. A ring
// buffer keeps enough signal before each stimulus; a sweep is emitted once its
// post-trigger samples have arrived. Sweeps that overlap missing data (a gap
// in the stream, the time before the stream began) or hold a non-finite
// sample are flagged, and missing samples are NaN, never zero.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace edx::dsp {

struct SweepCutterConfig {
    double sample_rate_hz = 0.0;
    std::size_t channels = 1;
    double pre_trigger_s = 0.0;   // signal kept before the stimulus
    double post_trigger_s = 0.0;  // signal from the stimulus on
    // Sweeps open (waiting for samples) or completed but not yet released.
    // A stimulus arriving when all are taken is dropped and counted.
    std::size_t slots = 8;
};

struct SweepFlags {
    bool missing_data = false;  // overlaps a gap or precedes the stream (those samples are NaN)
    bool non_finite = false;    // holds a NaN or infinite sample that came from the stream
};

struct Sweep {
    std::int64_t stimulus_frame = 0;  // stream frame of the stimulus
    std::int64_t first_frame = 0;     // stream frame of samples[0]
    std::size_t frames = 0;
    std::size_t channels = 0;
    SweepFlags flags;
    std::span<const float> samples;  // [frames][channels], valid until release()
};

// Real-time contract: after construction nothing allocates, locks or throws;
// push() and gap() work in proportion to the frames given (gap: at most the
// sweep length) times the open sweeps.
class SweepCutter {
public:
    // Throws std::invalid_argument naming the field (rate, channels, times, slots).
    explicit SweepCutter(const SweepCutterConfig& config);

    std::size_t sweep_frames() const noexcept { return pre_ + post_; }
    std::size_t pre_trigger_frames() const noexcept { return pre_; }
    std::size_t channels() const noexcept { return channels_; }
    // Frames received or skipped so far (the stream position).
    std::int64_t position() const noexcept { return position_; }

    // Appends interleaved frames ([frame][channel]); false (and nothing done)
    // if the size is not a whole number of frames.
    bool push(std::span<const float> frames) noexcept;
    // `frames` frames of the stream were lost: the position advances and the
    // sweeps that cover them are flagged.
    void gap(std::uint64_t frames) noexcept;
    // A stimulus at stream frame `frame`. Stimuli must come in non-decreasing
    // order; one may be announced after its data arrived as long as its first
    // pre-trigger frame is still in the ring (else its missing part is
    // flagged like a gap). Returns false if it was dropped: out of order, or
    // no free slot (counted in dropped_stimuli()).
    bool stimulus(std::int64_t frame) noexcept;

    // The oldest completed sweep, if any; it stays valid until release().
    bool next(Sweep& sweep) const noexcept;
    // Frees the sweep returned by next().
    void release() noexcept;

    std::uint64_t dropped_stimuli() const noexcept { return dropped_; }
    std::uint64_t completed_sweeps() const noexcept { return completed_; }

private:
    struct Slot {
        std::int64_t stimulus = 0;
        std::size_t filled = 0;  // frames copied so far
        SweepFlags flags;
    };
    void fill(Slot& slot, std::size_t slot_index) noexcept;

    std::size_t channels_ = 1;
    std::size_t pre_ = 0, post_ = 0;
    std::size_t capacity_ = 0;          // ring frames
    std::vector<float> ring_;           // [capacity][channels]
    std::vector<unsigned char> ring_missing_;  // per ring frame: 1 if it came from a gap
    std::int64_t position_ = 0;
    std::vector<float> storage_;        // slots x sweep_frames x channels
    std::vector<Slot> slots_;
    std::vector<std::size_t> queue_;    // slot indices in stimulus order (a ring of size slots)
    std::size_t queue_head_ = 0, queue_count_ = 0;
    std::int64_t last_stimulus_ = INT64_MIN;
    std::uint64_t dropped_ = 0, completed_ = 0;
};

}  // namespace edx::dsp
