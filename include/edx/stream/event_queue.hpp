// The bounded queue of JSON-line events between the threads that measure and
// whoever reads events (the writer thread of `edx stream`, or edx_poll_event
// of the C API). When the reader stops reading, the queue does not grow: a new
// event is dropped and counted (the summary reports events_dropped), because
// holding back the input instead would stall an acquisition system that
// cannot stop sampling. The session's last event (summary or error) is never
// dropped: it has a place of its own.
//
// Not on the real-time path (it takes a mutex): only the measuring threads push.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>

namespace edx::stream {

class EventQueue {
public:
    // Throws std::invalid_argument if capacity is 0.
    explicit EventQueue(std::size_t capacity);

    std::size_t capacity() const noexcept { return capacity_; }
    // Queues one event (a JSON object without newline); false, and counted as
    // dropped, when the queue holds `capacity` events or the last event was pushed.
    bool push(std::string event);
    // The session's last event: always queued, beyond the capacity; later pushes are refused.
    void push_last(std::string event);

    // Consumer side (one thread).
    bool try_pop(std::string& event);
    bool wait_pop(std::string& event, std::chrono::milliseconds timeout);
    std::optional<std::size_t> front_size() const;  // bytes of the next event, if any
    // The last event was pushed (it may still wait in the queue).
    bool closed() const;
    // The last event was pushed and everything was popped.
    bool finished() const;
    // Blocks until finished() or the timeout; true if finished.
    bool wait_finished(std::chrono::milliseconds timeout) const;

    std::uint64_t dropped() const;
    std::uint64_t delivered() const;  // popped so far
    std::size_t peak_size() const;    // most events ever held at once

private:
    std::size_t capacity_;
    mutable std::mutex mutex_;
    mutable std::condition_variable changed_;
    std::deque<std::string> events_;
    bool last_pushed_ = false;
    std::uint64_t dropped_ = 0, delivered_ = 0;
    std::size_t peak_ = 0;
};

}  // namespace edx::stream
