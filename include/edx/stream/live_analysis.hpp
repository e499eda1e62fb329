// What a stream session measures, fed in stream order by the session's worker
// thread (never by the real-time path): cut sweeps, continuous blocks, gaps,
// markers. It emits the `sweep`, `position`, `gap`, `fair_delay` and
// `spontaneous` events and, at the end, the results the `summary` carries and
// the study `--out` keeps.
//
// Equivalence with the offline analysis (the design, tested in
// tests/stream/session_test.cpp and live_analysis_test.cpp):
// - The evoked measurements are batch algorithms (a per-recording template by
//   iterative alignment, then each sweep's shift), so a sweep's latency depends
//   on the other sweeps. A `sweep` event therefore carries, for each of its
//   sweeps, the result of measure_h_reflex(), measure_f_wave() or
//   measure_ncs() (by the channel's kind) on a stated basis: the recording's
//   sweeps first_sweep .. first_sweep + sweeps - 1, in `measured_with`. The
//   basis is the prefix 0..n-1 where n is the number of sweeps received when
//   the measurement ran: n = k + 1 for sweep k whenever the worker keeps up
//   (always at real-time rates); when sweeps arrive faster than they are
//   measured (replay at full speed) one measurement serves every sweep that
//   arrived meanwhile, so the work stays bounded per unit of time. Beyond
//   max_prefix_sweeps sweeps the basis is the last max_prefix_sweeps sweeps (a
//   sliding window), so each measurement costs at most that many sweeps. NCS
//   are measured on the aligned response, not per sweep: an NCS `sweep` event
//   carries the measurement of its basis.
// - A `fair_delay` event is analyze_fair() on the FAIR time course of one such
//   measurement (`measured_with` again), computed on the background thread; a
//   newer measurement supersedes one not yet started.
//   FAIR applies to a channel once a position=fair marker has arrived
//   (evoked::has_fair_protocol, as `edx fair` decides).
// - The `summary` (finish()) measures every sweep of each evoked channel
//   once more, whole, and runs analyze_fair() on H-reflexes: exactly what `edx fair`
//   (measure_h_reflex, evoked::fair_time_course, analyze_fair) gives on the
//   recording saved in --out.
// - Spontaneous activity is read in consecutive windows of emg_window_s at
//   rest (contraction=rest in force, or no contraction marker yet), cut at
//   gaps, non-finite samples and effort changes; a train crossing a window
//   boundary is seen as two. It has no offline equivalent to match.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "edx/emg/spontaneous_activity.hpp"
#include "edx/evoked/fair_estimate.hpp"
#include "edx/evoked/f_wave.hpp"
#include "edx/evoked/h_reflex.hpp"
#include "edx/evoked/ncs.hpp"
#include "edx/io/study.hpp"
#include "edx/stream/event_json.hpp"
#include "edx/stream/event_queue.hpp"
#include "edx/stream/session_header.hpp"

namespace edx::stream {

struct LiveAnalysisOptions {
    std::size_t max_prefix_sweeps = 256;  // per H-reflex channel; see the header comment
    double emg_window_s = 5.0;            // spontaneous activity window (> persistence of a train, 3 s)
    double emg_min_window_s = 1.0;        // a shorter stretch at rest is not analysed (counted)
    // Keep the continuous channels' samples for the results file; sweeps of
    // evoked channels are always kept: the summary measures them all.
    bool keep_samples = false;
    std::size_t max_kept_samples = std::size_t{1} << 28;  // continuous samples kept, all channels (1 GiB)
    evoked::HReflexOptions h_reflex;
    evoked::FWaveOptions f_wave;
    evoked::NcsOptions ncs;
    evoked::FairOptions fair;

    void validate() const;  // throws std::invalid_argument naming the field
};

// What the real-time path counted; the summary reports it.
struct StreamCounts {
    std::uint64_t frames = 0;              // sample frames accepted
    std::uint64_t non_finite_samples = 0;  // accepted samples that were NaN or infinite
    std::uint64_t gaps = 0;
    std::uint64_t gap_frames = 0;          // frames missing in the gaps
    std::uint64_t overlaps = 0;            // SAMPLES frames refused for starting before the expected index
    std::uint64_t overlap_frames = 0;      // frames they held, ignored
    std::uint64_t stimuli = 0;             // STIMULUS frames received
    std::uint64_t stimuli_refused = 0;     // out of order, or every sweep slot open, or no evoked channel
    std::uint64_t sweeps_incomplete = 0;   // stimuli whose post-trigger samples never came
    std::uint64_t markers = 0;
    std::uint64_t position = 0;            // the stream position at the end (expected next index)
};

enum class SessionEnd { end, protocol_error, disconnect, aborted };
std::string_view to_string(SessionEnd end) noexcept;  // "end", "protocol_error", "disconnect", "aborted"

// Where the heavy, non-urgent analyses run (spontaneous windows, interim FAIR
// estimates). The session runs them on a thread of their own; without one
// (nullptr) they run inline, which tests use.
class BackgroundWork {
public:
    virtual ~BackgroundWork() = default;
    // Runs job after the jobs posted before it with the same key (jobs of
    // different keys may run in parallel); may block while the queue is full (backpressure).
    virtual void post(std::size_t key, std::function<void()> job) = 0;
    // Runs job unless a newer job with the same key replaces it before it starts.
    virtual void post_latest(std::size_t key, std::function<void()> job) = 0;
    // Waits until every posted job has run (pending latest-jobs are discarded).
    virtual void drain() = 0;
};

struct SessionResults {
    Json summary;               // the `summary` event (also the results document of --out)
    std::optional<Study> study;  // what --out keeps; unset when there is nothing to write
    std::vector<std::string> notes;
};

class LiveAnalysis {
public:
    // Throws std::invalid_argument on bad options or a header whose sweep
    // geometry does not fit its sample rate.
    LiveAnalysis(const SessionHeader& header, const LiveAnalysisOptions& options, EventQueue& events,
                 BackgroundWork* background = nullptr);
    ~LiveAnalysis();
    LiveAnalysis(const LiveAnalysis&) = delete;
    LiveAnalysis& operator=(const LiveAnalysis&) = delete;

    // Geometry of the sweeps the session cuts (lround of the header's times).
    std::size_t pre_trigger_frames() const noexcept { return pre_; }
    std::size_t sweep_frames() const noexcept { return pre_ + post_; }
    // Channel indices (in the header) of the evoked and of the other channels.
    const std::vector<std::size_t>& evoked_channels() const noexcept { return evoked_index_; }
    const std::vector<std::size_t>& continuous_channels() const noexcept { return continuous_index_; }

    // `frames` frames of the continuous channels ([frame][continuous channel])
    // starting at stream index `first`.
    void add_block(std::uint64_t first, std::size_t frames, const float* samples);
    void add_gap(std::uint64_t first_missing, std::uint64_t frames);
    void add_overlap(std::uint64_t expected, std::uint64_t first, std::uint64_t frames);
    // One cut sweep: samples [sweep_frames][evoked channel].
    void add_sweep(std::uint64_t stimulus_index, double intensity_ma, bool missing_data, bool non_finite,
                   const float* samples);
    void add_marker(std::uint64_t index, std::string label);
    // Measures the sweeps received since the last call and emits their events.
    void measure_pending();
    bool has_pending() const noexcept;

    // Flushes, measures everything and builds the summary (and the study when
    // keep_samples is set or `want_study`). `error` is the protocol error when
    // the session ended on one. events_dropped counts every event dropped
    // before the summary (the summary itself is never dropped).
    SessionResults finish(SessionEnd end, const StreamCounts& counts, const Json& error, bool want_study);

private:
    struct EvokedChannel;
    struct ContinuousChannel;
    struct SpontaneousTotals;

    void emit(Json event);
    double seconds(std::uint64_t index) const noexcept { return static_cast<double>(index) / rate_; }
    bool at_rest(std::uint64_t index) const noexcept;
    std::uint64_t next_contraction_change(std::uint64_t after) const noexcept;
    void append_window(ContinuousChannel& ch, std::uint64_t first, const float* column, std::size_t stride,
                       std::size_t frames);
    void flush_window(ContinuousChannel& ch);
    void flush_windows();
    void measure_channel(EvokedChannel& ch);
    Json final_measure(EvokedChannel& ch, Json& fair_out, std::vector<std::string>& notes);
    Json final_h_reflex(EvokedChannel& ch, Json& fair_out, std::vector<std::string>& notes);
    Study build_study(std::vector<std::string>& notes) const;

    SessionHeader header_;
    LiveAnalysisOptions options_;
    EventQueue& events_;
    BackgroundWork* background_;
    double rate_ = 0.0;
    std::size_t pre_ = 0, post_ = 0;
    std::vector<std::size_t> evoked_index_, continuous_index_;
    std::vector<std::unique_ptr<EvokedChannel>> evoked_;
    std::vector<std::unique_ptr<ContinuousChannel>> continuous_;
    std::vector<Marker> markers_;  // every marker, sorted by time (stable)
    std::vector<std::pair<std::uint64_t, bool>> contraction_;  // (index, at rest) sorted by index
    std::size_t kept_samples_ = 0;
    bool kept_truncated_ = false;
    std::uint64_t stimuli_sweeps_ = 0;
    std::uint64_t short_rest_stretches_ = 0;
    std::unique_ptr<emg::SpontaneousCriteria> spontaneous_criteria_;
};

}  // namespace edx::stream
