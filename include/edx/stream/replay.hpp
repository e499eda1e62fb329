// Acting as an acquisition system: a recording (or anything else that can
// produce protocol v1 frames) sent to an engine at real time, X times real
// time, or as fast as the engine takes it.
//
// How a layout-v1 file becomes a stream (open_replay):
// - Continuous recordings (one or more, same rate and length): their channels
//   side by side, each STIMULUS at lround(time_s x rate), each marker at
//   lround(time_s x rate); the engine's sweep is the evoked pipeline's cut for
//   continuous recordings (10 ms before, 90 ms after) unless given.
// - Sweep-form recordings (one or more with the same rate, sweep length,
//   pre-trigger and sweep times): end to end by default, sweep k at sample
//   indices [k x n, (k + 1) x n) (n samples per sweep), its STIMULUS at
//   k x n + pre-trigger samples with the sweep's intensity. A marker at time
//   t goes to the sweep it falls in (at its offset in that sweep) or, between
//   sweeps, to the first sample of the next sweep (after the last: to the end),
//   so every sweep has the position it had in the file. Time in the stream is
//   then stream time: inter-sweep intervals vanish, which changes time-based
//   FAIR quantities (recovery window, onset after the FAIR marker). `timed`
//   keeps the file's times instead: sweep k starts at lround(t_k x rate) - pre
//   (the whole stream shifted so the first sample is 0), markers at
//   lround(t x rate), and the stretches between sweeps are not sent (the
//   engine reports them as gaps).
// - Samples are sent as stored: int16/int32 with the file's scale, offset and
//   units (the raw codes recovered exactly from the canonical values), float
//   data as float32 in the canonical unit; the engine's conversion then gives
//   the very floats the file reader gives.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "edx/io/study.hpp"
#include "edx/stream/session_header.hpp"

namespace edx::stream {

// Produces a stream frame by frame.
class ReplaySource {
public:
    virtual ~ReplaySource() = default;
    virtual const SessionHeader& header() const = 0;
    // Appends the next frames to `out`; `due_index` is the stream index up to
    // which they carry samples (when they are due at the pace). Returns false
    // once everything, END included, has been appended.
    virtual bool next(std::vector<std::byte>& out, std::uint64_t& due_index) = 0;
};

enum class SweepLayout { end_to_end, timed };

struct ReplayOptions {
    std::vector<std::string> recordings;  // empty: the file's only recording
    SweepLayout layout = SweepLayout::end_to_end;
    std::size_t block_frames = 1024;      // frames per SAMPLES frame (at most 16 MiB)
    // Continuous evoked recordings: the sweep the engine cuts (unset: 10 ms / 90 ms).
    std::optional<double> pre_trigger_s, post_trigger_s;
};

// A recording set in memory as a stream. Throws std::invalid_argument naming
// what does not fit (recordings of different rates, shapes or forms, sweeps
// overlapping in time with `timed`).
std::unique_ptr<ReplaySource> replay_recordings(const Study& study, const ReplayOptions& options);
// Reads the recordings from a layout-v1 file (InputError for a bad file).
std::unique_ptr<ReplaySource> open_replay(const std::filesystem::path& file, const ReplayOptions& options);

struct ReplayStats {
    std::uint64_t bytes = 0;
    std::uint64_t frames = 0;     // protocol frames written
    std::uint64_t last_index = 0;  // stream position at the end
    double seconds = 0.0;         // wall time
};

// Writes the header and every frame to fd. speed: 1 real time, X times real
// time, 0 as fast as fd takes it (a full socket blocks the writes: the
// engine's backpressure). Throws std::system_error if a write fails.
ReplayStats replay(ReplaySource& source, int fd, double speed, const std::atomic<bool>* stop = nullptr);

}  // namespace edx::stream
