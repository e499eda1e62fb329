#include "edx/stream/session.hpp"

#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <stdexcept>
#include <system_error>
#include <thread>

#include "edx/dsp/sweep_cutter.hpp"
#include "edx/io/layout_writer.hpp"
#include "edx/stream/sample_converter.hpp"
#include "edx/stream/spsc_ring.hpp"

namespace edx::stream {

namespace {

// Indices beyond 2^53 are not exactly representable as the double seconds
// events carry; no real stream gets near (14,000 years at 20 kHz).
constexpr std::uint64_t kMaxIndex = std::uint64_t{1} << 53;

enum ItemKind : std::uint8_t {
    item_block,
    item_gap,
    item_overlap,
    item_sweep,
    item_marker,
    item_end,
    item_error,
    item_disconnect,
    item_abort
};

struct WorkItem {
    std::uint8_t kind = item_block;
    std::uint8_t flags = 0;  // sweep: 1 missing data, 2 non-finite; disconnect: 1 mid-frame
    std::uint32_t slot = 0;  // sweep buffer or marker label
    std::uint64_t index = 0;
    std::uint64_t count = 0;
    std::uint64_t extra = 0;  // overlap: the expected index
    double intensity = 0.0;
};

void copy_text(char* dst, std::size_t capacity, std::string_view text) noexcept {
    const std::size_t n = std::min(text.size(), capacity - 1);
    std::memcpy(dst, text.data(), n);
    dst[n] = '\0';
}

// A background thread: jobs in order from a bounded queue (the poster waits
// when it is full), and jobs where only the newest per key matters.
class BackgroundThread final : public BackgroundWork {
public:
    // idle_priority: runs only on CPU time nobody else wants (SCHED_IDLE).
    BackgroundThread(std::size_t capacity, bool idle_priority)
        : capacity_(capacity), thread_([this, idle_priority] {
              if (idle_priority) {
                  sched_param none{};
                  ::pthread_setschedparam(::pthread_self(), SCHED_IDLE, &none);  // best effort
              }
              run();
          }) {}
    ~BackgroundThread() override {
        {
            std::lock_guard lock(mutex_);
            stop_ = true;
        }
        changed_.notify_all();
        thread_.join();
    }
    void post(std::size_t, std::function<void()> job) override {
        std::unique_lock lock(mutex_);
        changed_.wait(lock, [this] { return jobs_.size() < capacity_ || stop_; });
        jobs_.push_back(std::move(job));
        changed_.notify_all();
    }
    void post_latest(std::size_t key, std::function<void()> job) override {
        std::lock_guard lock(mutex_);
        latest_[key] = std::move(job);
        changed_.notify_all();
    }
    void drain() override {
        std::unique_lock lock(mutex_);
        latest_.clear();
        changed_.wait(lock, [this] { return jobs_.empty() && !running_; });
    }

private:
    void run() {
        std::unique_lock lock(mutex_);
        for (;;) {
            changed_.wait(lock, [this] { return stop_ || !jobs_.empty() || !latest_.empty(); });
            if (stop_) return;
            std::function<void()> job;
            if (!jobs_.empty()) {
                job = std::move(jobs_.front());
                jobs_.pop_front();
            } else {
                job = std::move(latest_.begin()->second);
                latest_.erase(latest_.begin());
            }
            running_ = true;
            lock.unlock();
            changed_.notify_all();
            job();  // jobs catch their own exceptions
            lock.lock();
            running_ = false;
            changed_.notify_all();
        }
    }

    std::size_t capacity_;
    std::mutex mutex_;
    std::condition_variable changed_;
    std::deque<std::function<void()>> jobs_;
    std::map<std::size_t, std::function<void()>> latest_;
    bool running_ = false;
    bool stop_ = false;
    std::thread thread_;
};

// Spontaneous-activity windows (work that must be done: their events and
// totals) on one thread per core at normal priority, each channel always on
// the same thread so its windows stay in order; interim FAIR estimates (each
// superseded by the next) on another thread at idle priority, so at full
// speed they use only spare CPU and never slow the input or the sweep measurements.
class Background final : public BackgroundWork {
public:
    Background() : interim_(1, true) {
        const unsigned n = std::max(1u, std::thread::hardware_concurrency());
        for (unsigned i = 0; i < n; ++i) windows_.push_back(std::make_unique<BackgroundThread>(2, false));
    }
    void post(std::size_t key, std::function<void()> job) override {
        windows_[key % windows_.size()]->post(key, std::move(job));
    }
    void post_latest(std::size_t key, std::function<void()> job) override { interim_.post_latest(key, std::move(job)); }
    void drain() override {
        for (auto& w : windows_) w->drain();
        interim_.drain();
    }

private:
    std::vector<std::unique_ptr<BackgroundThread>> windows_;
    BackgroundThread interim_;
};

}  // namespace

void SessionOptions::validate() const {
    analysis.validate();
    if (work_items < 16) throw std::invalid_argument("SessionOptions.work_items must be at least 16");
    if (sweep_slots < 1 || sweep_slots > 4096) throw std::invalid_argument("SessionOptions.sweep_slots must be in [1, 4096]");
    if (work_items < 2 * sweep_slots + 8) {
        throw std::invalid_argument("SessionOptions.work_items must be at least 2 x sweep_slots + 8");
    }
    if (!(std::isfinite(continuous_ring_s) && continuous_ring_s > 0.0 && continuous_ring_s <= 60.0)) {
        throw std::invalid_argument("SessionOptions.continuous_ring_s must be in (0, 60] s");
    }
    if (piece_frames < 1 || piece_frames > (std::size_t{1} << 20)) {
        throw std::invalid_argument("SessionOptions.piece_frames must be in [1, 2^20]");
    }
    if (event_capacity < 1) throw std::invalid_argument("SessionOptions.event_capacity must be at least 1");
    if (marker_slots < 1) throw std::invalid_argument("SessionOptions.marker_slots must be at least 1");
    if (max_buffer_bytes < (std::size_t{1} << 20)) throw std::invalid_argument("SessionOptions.max_buffer_bytes must be at least 1 MiB");
}

std::size_t session_buffer_bytes(const SessionHeader& header, const SessionOptions& options) {
    const double rate = header.sample_rate_hz;
    std::size_t evoked = 0, continuous = 0, needle = 0;
    for (const auto& c : header.channels) {
        if (is_evoked(c.kind)) {
            ++evoked;
        } else {
            ++continuous;
            needle += c.kind == RecordingKind::needle_emg;
        }
    }
    const double sweep = header.pre_trigger_s && header.post_trigger_s
                             ? std::ceil((*header.pre_trigger_s + *header.post_trigger_s) * rate) + 2
                             : 0.0;
    double bytes = 0;
    // Cutter ring and slots, the sweep buffers in flight to the worker.
    bytes += sweep * static_cast<double>(evoked) * 4.0 * (1.0 + 3.0 * static_cast<double>(options.sweep_slots));
    bytes += std::ceil(options.continuous_ring_s * rate) * static_cast<double>(continuous) * 4.0;
    bytes += static_cast<double>(options.piece_frames) * static_cast<double>(header.channels.size()) * 8.0;
    // Spontaneous-activity windows: one filling per needle channel, a few in flight.
    bytes += std::ceil(options.analysis.emg_window_s * rate) * static_cast<double>(needle) * 4.0 * 4.0;
    return static_cast<std::size_t>(std::min(bytes, 1e18));
}

struct Session::Impl {
    Impl(const SessionHeader& header, const SessionOptions& options, EventQueue& events)
        : converter(header),
          items(options.work_items),
          free_sweeps(2 * options.sweep_slots),
          free_labels(options.marker_slots) {
        background = std::make_unique<Background>();
        LiveAnalysisOptions lo = options.analysis;
        if (options.out) lo.keep_samples = true;
        analysis = std::make_unique<LiveAnalysis>(header, lo, events, background.get());
        evoked_idx = analysis->evoked_channels();
        cont_idx = analysis->continuous_channels();
        const std::size_t channels = header.channels.size();
        piece = options.piece_frames;
        scratch.assign(piece * channels, 0.0f);
        if (!evoked_idx.empty()) {
            slots = options.sweep_slots;
            cutter.emplace(dsp::SweepCutterConfig{header.sample_rate_hz, evoked_idx.size(), *header.pre_trigger_s,
                                                  *header.post_trigger_s, slots});
            if (evoked_idx.size() != channels) evoked_scratch.assign(piece * evoked_idx.size(), 0.0f);
            sweep_floats = cutter->sweep_frames() * evoked_idx.size();
            sweep_pool.assign(2 * slots * sweep_floats, 0.0f);
            for (std::uint32_t i = 0; i < 2 * slots; ++i) free_sweeps.try_push(i);
            intensities.assign(slots, 0.0);
        }
        if (!cont_idx.empty()) {
            ring_frames = std::max(piece, static_cast<std::size_t>(std::ceil(options.continuous_ring_s * header.sample_rate_hz)));
            ring.assign(ring_frames * cont_idx.size(), 0.0f);
        }
        labels.assign(options.marker_slots * StreamLimits::max_marker_label_bytes, '\0');
        for (std::uint32_t i = 0; i < options.marker_slots; ++i) free_labels.try_push(i);
        worker_efd = ::eventfd(0, EFD_CLOEXEC);
        if (worker_efd < 0) throw std::system_error(errno, std::generic_category(), "eventfd");
    }
    ~Impl() {
        if (worker_efd >= 0) ::close(worker_efd);
    }

    void wake_worker() noexcept {
        if (worker_sleeping.load(std::memory_order_seq_cst)) {
            const std::uint64_t one = 1;
            [[maybe_unused]] const auto n = ::write(worker_efd, &one, sizeof one);
        }
    }

    // Hands every sweep the cutter completed to the worker; the caller made sure
    // there is room (an item and a buffer per open sweep). Returns whether any was.
    bool drain_sweeps() noexcept {
        bool any = false;
        dsp::Sweep sw;
        while (cutter && cutter->next(sw)) {
            std::uint32_t slot = 0;
            free_sweeps.try_pop(slot);
            std::copy(sw.samples.begin(), sw.samples.end(), sweep_pool.begin() + slot * sweep_floats);
            WorkItem it;
            it.kind = item_sweep;
            it.slot = slot;
            it.index = static_cast<std::uint64_t>(sw.stimulus_frame);
            it.flags = static_cast<std::uint8_t>((sw.flags.missing_data ? 1 : 0) | (sw.flags.non_finite ? 2 : 0));
            it.intensity = intensities[intensity_head];
            intensity_head = (intensity_head + 1) % slots;
            --open;
            items.try_push(it);
            cutter->release();
            any = true;
        }
        return any;
    }

    // ---- producer side ----
    SampleConverter converter;
    std::size_t piece = 0;
    std::vector<float> scratch;         // piece x channels
    std::vector<float> evoked_scratch;  // piece x evoked channels (when not every channel is evoked)
    std::vector<std::size_t> evoked_idx, cont_idx;
    std::optional<dsp::SweepCutter> cutter;
    std::size_t slots = 0;
    std::vector<double> intensities;  // FIFO of the open stimuli, in cutter order
    std::size_t intensity_head = 0;
    std::size_t open = 0;             // stimuli whose sweep is not complete
    SpscRing<WorkItem> items;
    std::size_t sweep_floats = 0;
    std::vector<float> sweep_pool;
    SpscRing<std::uint32_t> free_sweeps;  // worker -> producer
    std::vector<float> ring;              // continuous channels in flight
    std::size_t ring_frames = 0;
    std::atomic<std::uint64_t> ring_write{0}, ring_read{0};
    std::vector<char> labels;
    SpscRing<std::uint32_t> free_labels;  // worker -> producer
    StreamCounts counts;
    char error_code[64] = {};
    char error_message[512] = {};
    std::uint64_t error_frame = 0, error_offset = 0;

    // ---- wake-ups ----
    int worker_efd = -1;
    std::atomic<bool> worker_sleeping{false};
    std::mutex room_mutex;
    std::condition_variable room_cv;
    std::atomic<std::uint64_t> progress{0};
    std::atomic<bool> producer_waiting{false};

    // ---- worker side ----
    std::unique_ptr<Background> background;
    std::unique_ptr<LiveAnalysis> analysis;
    std::vector<float> block_copy;
    SessionResults results;
    std::string out_error;
    std::mutex finish_mutex;
    std::condition_variable finish_cv;
    std::thread worker;
};

Session::Session(SessionHeader header, SessionOptions options)
    : header_(std::move(header)), options_(std::move(options)) {
    options_.validate();
    const std::size_t need = session_buffer_bytes(header_, options_);
    if (need > options_.max_buffer_bytes) {
        throw std::invalid_argument("the session would need " + std::to_string(need >> 20) +
                                    " MiB of buffers for its channels, rate and sweep; the engine allows " +
                                    std::to_string(options_.max_buffer_bytes >> 20) + " MiB");
    }
    events_ = std::make_unique<EventQueue>(options_.event_capacity);
    impl_ = std::make_unique<Impl>(header_, options_, *events_);

    impl_->worker = std::thread([this] {
        Impl& m = *impl_;
        auto finish = [this, &m](SessionEnd how, const Json& error) {
            m.results = m.analysis->finish(how, m.counts, error, options_.out.has_value());
            Json summary = m.results.summary;
            if (options_.out) {
                if (m.results.study) {
                    try {
                        write_study(*m.results.study, *options_.out);
                    } catch (const std::exception& e) {
                        m.out_error = e.what();
                    }
                } else {
                    m.out_error = "nothing to write: no sweep and no continuous sample was received";
                }
                summary["out"] = {{"path", options_.out->string()},
                                  {"written", m.out_error.empty()},
                                  {"error", m.out_error.empty() ? Json(nullptr) : Json(m.out_error)}};
                m.results.summary["out"] = summary["out"];
            }
            if (how == SessionEnd::end) {
                events_->push_last(event_line(summary));
            } else {
                Json e;
                e["type"] = "error";
                e["t"] = static_cast<double>(m.counts.position) / header_.sample_rate_hz;
                merge_fields(e, error);
                events_->push_last(event_line(e));
            }
        };
        try {
            for (;;) {
                std::size_t handled = 0;
                WorkItem it;
                int terminal = -1;
                while (handled < 256 && m.items.try_pop(it)) {
                    ++handled;
                    switch (it.kind) {
                        case item_block: {
                            const std::size_t lanes = m.cont_idx.size();
                            std::uint64_t done = 0;
                            while (done < it.count) {
                                const std::uint64_t r = m.ring_read.load(std::memory_order_relaxed);
                                const std::size_t at = static_cast<std::size_t>(r % m.ring_frames);
                                const std::size_t run =
                                    std::min<std::size_t>(static_cast<std::size_t>(it.count - done), m.ring_frames - at);
                                m.analysis->add_block(it.index + done, run, m.ring.data() + at * lanes);
                                m.ring_read.store(r + run, std::memory_order_release);
                                done += run;
                            }
                            break;
                        }
                        case item_gap: m.analysis->add_gap(it.index, it.count); break;
                        case item_overlap: m.analysis->add_overlap(it.extra, it.index, it.count); break;
                        case item_sweep:
                            m.analysis->add_sweep(it.index, it.intensity, (it.flags & 1) != 0, (it.flags & 2) != 0,
                                                  m.sweep_pool.data() + it.slot * m.sweep_floats);
                            m.free_sweeps.try_push(it.slot);
                            break;
                        case item_marker: {
                            std::string label(m.labels.data() + it.slot * StreamLimits::max_marker_label_bytes,
                                              static_cast<std::size_t>(it.count));
                            m.free_labels.try_push(it.slot);
                            m.analysis->add_marker(it.index, std::move(label));
                            break;
                        }
                        default: terminal = it.kind; break;
                    }
                    if (terminal >= 0) break;
                }
                if (handled > 0) {
                    m.progress.fetch_add(1, std::memory_order_acq_rel);
                    if (m.producer_waiting.load()) {
                        std::lock_guard lock(m.room_mutex);
                    }
                    m.room_cv.notify_all();
                }
                if (terminal >= 0) {
                    Json error;
                    SessionEnd how = SessionEnd::end;
                    if (terminal == item_error) {
                        how = SessionEnd::protocol_error;
                        error = {{"code", m.error_code},
                                 {"message", m.error_message},
                                 {"frame", m.error_frame},
                                 {"byte_offset", m.error_offset}};
                    } else if (terminal == item_disconnect) {
                        how = SessionEnd::disconnect;
                        error = {{"code", (it.flags & 1) ? "disconnected_mid_frame" : "disconnected_before_end"},
                                 {"message", (it.flags & 1) ? "the input ended inside a frame"
                                                            : "the input ended before an END frame"},
                                 {"frame", m.error_frame},
                                 {"byte_offset", m.error_offset}};
                    } else if (terminal == item_abort) {
                        how = SessionEnd::aborted;
                        error = {{"code", "aborted"}, {"message", "the session was closed before it ended"}};
                    }
                    finish(how, error);
                    break;
                }
                if (handled == 0) {
                    if (m.analysis->has_pending()) {
                        m.analysis->measure_pending();
                        continue;
                    }
                    m.worker_sleeping.store(true, std::memory_order_seq_cst);
                    if (m.items.empty()) {
                        pollfd p{m.worker_efd, POLLIN, 0};
                        ::poll(&p, 1, 100);
                        std::uint64_t value = 0;
                        if (p.revents & POLLIN) {
                            [[maybe_unused]] const auto n = ::read(m.worker_efd, &value, sizeof value);
                        }
                    }
                    m.worker_sleeping.store(false, std::memory_order_seq_cst);
                } else if (m.items.empty() || handled == 256) {
                    m.analysis->measure_pending();
                }
            }
        } catch (const std::exception& e) {
            Json error = {{"type", "error"},
                          {"t", static_cast<double>(m.counts.position) / header_.sample_rate_hz},
                          {"code", "internal"},
                          {"message", e.what()}};
            events_->push_last(event_line(error));
        }
        {
            std::lock_guard lock(m.finish_mutex);
            finished_.store(true, std::memory_order_release);
        }
        m.finish_cv.notify_all();
        // Anyone waiting for room learns the session is over.
        m.progress.fetch_add(1);
        {
            std::lock_guard lock(m.room_mutex);
        }
        m.room_cv.notify_all();
    });
}

Session::~Session() {
    if (!closed_ && !finished()) {
        for (int attempt = 0; attempt < 1000; ++attempt) {
            if (push_item(item_abort, 0, 0, 0) != PushStatus::busy) break;
            wait_for_room(std::chrono::milliseconds(10));
        }
    }
    impl_->worker.join();
}

PushStatus Session::push_item(int kind, std::uint64_t index, std::uint64_t count, std::uint32_t slot) noexcept {
    WorkItem it;
    it.kind = static_cast<std::uint8_t>(kind);
    it.index = index;
    it.count = count;
    it.slot = slot;
    if (!impl_->items.try_push(it)) return PushStatus::busy;
    if (kind >= item_end) closed_ = true;
    impl_->wake_worker();
    return PushStatus::ok;
}

bool Session::wait_for_room(std::chrono::milliseconds timeout) {
    Impl& m = *impl_;
    const std::uint64_t seen = m.progress.load(std::memory_order_acquire);
    m.producer_waiting.store(true);
    std::unique_lock lock(m.room_mutex);
    const bool moved = m.room_cv.wait_for(lock, timeout, [&] { return m.progress.load() != seen; });
    m.producer_waiting.store(false);
    return moved;
}

bool Session::wait_finished(std::chrono::milliseconds timeout) {
    std::unique_lock lock(impl_->finish_mutex);
    return impl_->finish_cv.wait_for(lock, timeout, [this] { return finished(); });
}

const Json& Session::summary() const noexcept { return impl_->results.summary; }
const std::string& Session::out_error() const noexcept { return impl_->out_error; }

PushStatus Session::begin_samples(std::uint64_t first, std::uint64_t frames) noexcept {
    if (closed_ || finished()) return PushStatus::closed;
    if (in_frame_ && frame_left_ > 0) return PushStatus::invalid;
    if (first > kMaxIndex || frames > kMaxIndex - first) return PushStatus::invalid;
    Impl& m = *impl_;
    // A gap can complete every open sweep (their missing part flagged).
    if (m.items.free_slots() < m.open + 3 || (m.cutter && m.free_sweeps.size() < m.open)) return PushStatus::busy;
    if (first < expected_) {
        WorkItem it;
        it.kind = item_overlap;
        it.index = first;
        it.count = frames;
        it.extra = expected_;
        m.items.try_push(it);
        m.wake_worker();
        ++m.counts.overlaps;
        m.counts.overlap_frames += frames;
        in_frame_ = true;
        frame_refused_ = true;
        frame_left_ = frames;
        return PushStatus::refused;
    }
    if (first > expected_) {
        push_item(item_gap, expected_, first - expected_, 0);
        if (m.cutter) {
            m.cutter->gap(first - expected_);
            if (m.drain_sweeps()) m.wake_worker();
        }
        ++m.counts.gaps;
        m.counts.gap_frames += first - expected_;
        expected_ = first;
        m.counts.position = expected_;
    }
    in_frame_ = true;
    frame_refused_ = false;
    frame_left_ = frames;
    return PushStatus::ok;
}

bool Session::take_piece(const std::byte* raw, std::size_t frames) noexcept {
    Impl& m = *impl_;
    // Room for everything this piece can produce: a block item and every open
    // sweep completing, plus one item kept for the session's last.
    const bool continuous = !m.cont_idx.empty();
    if (m.items.free_slots() < m.open + 2 + (continuous ? 1 : 0)) return false;
    if (m.cutter && m.free_sweeps.size() < m.open) return false;
    if (continuous && m.ring_frames - static_cast<std::size_t>(m.ring_write.load(std::memory_order_relaxed) -
                                                               m.ring_read.load(std::memory_order_acquire)) <
                          frames) {
        return false;
    }
    const std::size_t channels = header_.channels.size();
    m.counts.non_finite_samples += m.converter.convert(raw, frames, m.scratch.data());

    if (m.cutter) {
        const float* evoked = m.scratch.data();
        const std::size_t lanes = m.evoked_idx.size();
        if (!m.evoked_scratch.empty()) {
            for (std::size_t f = 0; f < frames; ++f) {
                for (std::size_t l = 0; l < lanes; ++l) m.evoked_scratch[f * lanes + l] = m.scratch[f * channels + m.evoked_idx[l]];
            }
            evoked = m.evoked_scratch.data();
        }
        m.cutter->push(std::span<const float>(evoked, frames * lanes));
    }
    if (continuous) {
        const std::size_t lanes = m.cont_idx.size();
        const std::uint64_t w = m.ring_write.load(std::memory_order_relaxed);
        for (std::size_t f = 0; f < frames; ++f) {
            float* dst = m.ring.data() + static_cast<std::size_t>((w + f) % m.ring_frames) * lanes;
            const float* src = m.scratch.data() + f * channels;
            for (std::size_t l = 0; l < lanes; ++l) dst[l] = src[m.cont_idx[l]];
        }
        m.ring_write.store(w + frames, std::memory_order_release);
        WorkItem it;
        it.kind = item_block;
        it.index = expected_;
        it.count = frames;
        m.items.try_push(it);
    }
    expected_ += frames;
    m.counts.frames += frames;
    m.counts.position = expected_;

    m.drain_sweeps();
    m.wake_worker();
    return true;
}

std::size_t Session::samples(const std::byte* raw, std::size_t frames) noexcept {
    if (closed_ || finished() || !in_frame_) return 0;
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(frames, frame_left_));
    if (frame_refused_) {
        frame_left_ -= n;
        return n;
    }
    const std::size_t fb = header_.frame_bytes();
    std::size_t taken = 0;
    while (taken < n) {
        const std::size_t piece = std::min(impl_->piece, n - taken);
        if (!take_piece(raw + taken * fb, piece)) break;
        taken += piece;
    }
    frame_left_ -= taken;
    return taken;
}

PushStatus Session::stimulus(std::uint64_t sample_index, double intensity_ma) noexcept {
    if (closed_ || finished()) return PushStatus::closed;
    if (sample_index > kMaxIndex) return PushStatus::invalid;
    Impl& m = *impl_;
    if (!m.cutter || m.open == m.slots) {
        ++m.counts.stimuli;
        ++m.counts.stimuli_refused;
        return PushStatus::refused;
    }
    // A stimulus announced after its samples completes at once: room for it.
    if (m.items.free_slots() < m.open + 3 || m.free_sweeps.size() < m.open + 1) return PushStatus::busy;
    ++m.counts.stimuli;
    if (!m.cutter->stimulus(static_cast<std::int64_t>(sample_index))) {
        ++m.counts.stimuli_refused;
        return PushStatus::refused;
    }
    m.intensities[(m.intensity_head + m.open) % m.slots] = intensity_ma;
    ++m.open;
    const bool any = m.drain_sweeps();
    if (any) m.wake_worker();
    return PushStatus::ok;
}

PushStatus Session::marker(std::uint64_t sample_index, std::string_view label) noexcept {
    if (closed_ || finished()) return PushStatus::closed;
    if (sample_index > kMaxIndex || label.size() > StreamLimits::max_marker_label_bytes) return PushStatus::invalid;
    Impl& m = *impl_;
    if (m.items.free_slots() < m.open + 3 || m.free_labels.empty()) return PushStatus::busy;
    std::uint32_t slot = 0;
    m.free_labels.try_pop(slot);
    std::memcpy(m.labels.data() + slot * StreamLimits::max_marker_label_bytes, label.data(), label.size());
    ++m.counts.markers;
    return push_item(item_marker, sample_index, label.size(), slot);
}

PushStatus Session::end() noexcept {
    if (closed_ || finished()) return PushStatus::closed;
    impl_->counts.sweeps_incomplete = impl_->open;
    impl_->counts.position = expected_;
    return push_item(item_end, 0, 0, 0);
}

PushStatus Session::protocol_error(std::string_view code, std::string_view message, std::uint64_t frame,
                                   std::uint64_t byte_offset) noexcept {
    if (closed_ || finished()) return PushStatus::closed;
    Impl& m = *impl_;
    if (m.items.free_slots() < 1) return PushStatus::busy;
    copy_text(m.error_code, sizeof m.error_code, code);
    copy_text(m.error_message, sizeof m.error_message, message);
    m.error_frame = frame;
    m.error_offset = byte_offset;
    m.counts.sweeps_incomplete = m.open;
    m.counts.position = expected_;
    return push_item(item_error, 0, 0, 0);
}

PushStatus Session::disconnected(bool mid_frame) noexcept {
    if (closed_ || finished()) return PushStatus::closed;
    Impl& m = *impl_;
    if (m.items.free_slots() < 1) return PushStatus::busy;
    m.counts.sweeps_incomplete = m.open;
    m.counts.position = expected_;
    WorkItem it;
    it.kind = item_disconnect;
    it.flags = mid_frame ? 1 : 0;
    m.items.try_push(it);
    closed_ = true;
    m.wake_worker();
    return PushStatus::ok;
}

PushStatus Session::push_samples(const std::byte* raw, std::size_t frames, SampleType type,
                                 std::uint64_t first_sample_index) {
    if (type != header_.sample_type) return PushStatus::invalid;
    PushStatus status;
    while ((status = begin_samples(first_sample_index, frames)) == PushStatus::busy) {
        wait_for_room(std::chrono::milliseconds(50));
    }
    if (status == PushStatus::closed || status == PushStatus::invalid) return status;
    std::size_t done = 0;
    const std::size_t fb = header_.frame_bytes();
    while (done < frames) {
        const std::size_t n = samples(raw + done * fb, frames - done);
        done += n;
        if (done < frames) {
            if (closed_ || finished()) return PushStatus::closed;
            if (n == 0) wait_for_room(std::chrono::milliseconds(50));
        }
    }
    return status;
}

}  // namespace edx::stream
