// One live acquisition session (spec/stream-protocol-v1.md): samples, stimuli
// and markers in, JSON-line events out. The input side is the real-time path;
// measurement runs on a worker thread, heavy analyses on a background thread,
// and events leave through a bounded queue.
//
// Threads and queues:
//   producer (the caller: a socket reader or the C API) -- real-time path:
//     convert (one conversion to float, canonical units), track the expected
//     index (gaps, overlaps), cut sweeps, hand continuous blocks, sweeps,
//     markers and gaps to the worker through a bounded SPSC queue and
//     preallocated buffers. Nothing there allocates, locks, blocks or throws.
//   worker -- LiveAnalysis: measures sweeps, emits events (may allocate).
//   background -- spontaneous-activity windows (normal priority, bounded
//     queue), and interim FAIR estimates (idle priority, newest per channel
//     only: they use spare CPU and never slow the input).
//   consumer (a writer thread, or edx_poll_event) -- pops events().
//
// Backpressure: when a queue or buffer towards the worker is full the input
// calls return `busy` having taken nothing (samples(): fewer frames than
// offered); the caller waits (wait_for_room(), off the real-time path) and
// offers them again. A socket reader then stops reading, so TCP slows the
// sender: no queue grows without bound. The event side never holds the input
// back: a consumer that stops reading loses events (counted), see event_queue.hpp.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "edx/stream/event_queue.hpp"
#include "edx/stream/live_analysis.hpp"
#include "edx/stream/session_header.hpp"

namespace edx::stream {

struct SessionOptions {
    LiveAnalysisOptions analysis;
    std::size_t work_items = 1024;     // SPSC queue to the worker
    std::size_t sweep_slots = 32;      // sweeps open at once (stimuli closer than a sweep apart); 2x buffers in flight
    double continuous_ring_s = 2.0;    // continuous samples in flight to the worker
    std::size_t piece_frames = 1024;   // frames converted at a time
    std::size_t event_capacity = 4096;
    std::size_t marker_slots = 64;
    // Buffers a session may preallocate (sweep slots, rings, EMG windows): a
    // header asking for more (many channels at a high rate with long sweeps)
    // is refused rather than exhausting memory.
    std::size_t max_buffer_bytes = std::size_t{1} << 30;
    std::optional<std::filesystem::path> out;  // --out: written atomically when the session ends
    std::string source = "stream";             // names the input in messages

    void validate() const;  // throws std::invalid_argument naming the field
};

// What a session preallocates for `header` with `options` (bytes, approximate from above).
std::size_t session_buffer_bytes(const SessionHeader& header, const SessionOptions& options);

enum class PushStatus {
    ok,
    busy,     // no room now, nothing taken: wait_for_room() and offer it again
    refused,  // taken and refused (overlap, out-of-order stimulus...): counted, reported, the session goes on
    invalid,  // a bad argument (wrong sample type, no SAMPLES frame begun); nothing taken
    closed,   // the session already ended
};

class Session {
public:
    // Starts the worker and background threads. Throws std::invalid_argument
    // (bad options) or what LiveAnalysis throws.
    Session(SessionHeader header, SessionOptions options = {});
    // Ends the session as `aborted` if it was not ended, and joins the threads.
    ~Session();
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    const SessionHeader& header() const noexcept { return header_; }

    // ---- Input: the real-time path, one producer thread. ----
    // A SAMPLES frame of `frames` frames begins at first_sample_index: a later
    // start is a gap (event, hole treated as missing data), an earlier one an
    // overlap (event with negative size; the frame's samples are ignored: refused).
    PushStatus begin_samples(std::uint64_t first_sample_index, std::uint64_t frames) noexcept;
    // Frames of the current SAMPLES frame (raw, the header's sample type);
    // returns how many were taken, fewer than offered when out of room.
    std::size_t samples(const std::byte* raw, std::size_t frames) noexcept;
    PushStatus stimulus(std::uint64_t sample_index, double intensity_ma) noexcept;
    PushStatus marker(std::uint64_t sample_index, std::string_view label) noexcept;
    PushStatus end() noexcept;
    // The input broke the protocol (code: a ProtocolErrorKind name or
    // "bad_header"...): an `error` event is the session's last.
    PushStatus protocol_error(std::string_view code, std::string_view message, std::uint64_t frame,
                              std::uint64_t byte_offset) noexcept;
    // The input ended without END (mid_frame: inside a frame).
    PushStatus disconnected(bool mid_frame) noexcept;

    // Blocks (not real-time) until the worker has freed room or the timeout
    // passed; true if it made progress.
    bool wait_for_room(std::chrono::milliseconds timeout);
    // begin_samples + samples, waiting for room as needed (the C API's push).
    PushStatus push_samples(const std::byte* raw, std::size_t frames, SampleType type, std::uint64_t first_sample_index);

    // ---- Output ----
    EventQueue& events() noexcept { return *events_; }
    // The last event (summary or error) has been queued and results are final.
    bool finished() const noexcept { return finished_.load(std::memory_order_acquire); }
    bool wait_finished(std::chrono::milliseconds timeout);
    // After finished(): the summary (also on --out) and what happened to --out.
    const Json& summary() const noexcept;
    const std::string& out_error() const noexcept;  // empty when --out was written or not asked for

    std::uint64_t position() const noexcept { return expected_; }  // producer thread only

private:
    struct Impl;
    PushStatus push_item(int kind, std::uint64_t index, std::uint64_t count, std::uint32_t slot) noexcept;
    bool take_piece(const std::byte* raw, std::size_t frames) noexcept;

    SessionHeader header_;
    SessionOptions options_;
    std::unique_ptr<EventQueue> events_;
    std::unique_ptr<Impl> impl_;
    std::uint64_t expected_ = 0;
    bool in_frame_ = false;
    bool frame_refused_ = false;
    std::uint64_t frame_left_ = 0;
    bool closed_ = false;
    std::atomic<bool> finished_{false};
};

}  // namespace edx::stream
