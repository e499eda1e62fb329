#include "edx/stream/event_queue.hpp"

#include <algorithm>
#include <stdexcept>

namespace edx::stream {

EventQueue::EventQueue(std::size_t capacity) : capacity_(capacity) {
    if (capacity == 0) throw std::invalid_argument("EventQueue capacity must be at least 1");
}

bool EventQueue::push(std::string event) {
    {
        std::lock_guard lock(mutex_);
        if (last_pushed_ || events_.size() >= capacity_) {
            ++dropped_;
            return false;
        }
        events_.push_back(std::move(event));
        peak_ = std::max(peak_, events_.size());
    }
    changed_.notify_all();
    return true;
}

void EventQueue::push_last(std::string event) {
    {
        std::lock_guard lock(mutex_);
        if (last_pushed_) return;
        events_.push_back(std::move(event));
        last_pushed_ = true;
        peak_ = std::max(peak_, events_.size());
    }
    changed_.notify_all();
}

bool EventQueue::try_pop(std::string& event) {
    {
        std::lock_guard lock(mutex_);
        if (events_.empty()) return false;
        event = std::move(events_.front());
        events_.pop_front();
        ++delivered_;
    }
    changed_.notify_all();
    return true;
}

bool EventQueue::wait_pop(std::string& event, std::chrono::milliseconds timeout) {
    {
        std::unique_lock lock(mutex_);
        if (!changed_.wait_for(lock, timeout, [this] { return !events_.empty(); })) return false;
        event = std::move(events_.front());
        events_.pop_front();
        ++delivered_;
    }
    changed_.notify_all();
    return true;
}

std::optional<std::size_t> EventQueue::front_size() const {
    std::lock_guard lock(mutex_);
    if (events_.empty()) return std::nullopt;
    return events_.front().size();
}

bool EventQueue::closed() const {
    std::lock_guard lock(mutex_);
    return last_pushed_;
}

bool EventQueue::finished() const {
    std::lock_guard lock(mutex_);
    return last_pushed_ && events_.empty();
}

bool EventQueue::wait_finished(std::chrono::milliseconds timeout) const {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [this] { return last_pushed_ && events_.empty(); });
}

std::uint64_t EventQueue::dropped() const {
    std::lock_guard lock(mutex_);
    return dropped_;
}

std::uint64_t EventQueue::delivered() const {
    std::lock_guard lock(mutex_);
    return delivered_;
}

std::size_t EventQueue::peak_size() const {
    std::lock_guard lock(mutex_);
    return peak_;
}

}  // namespace edx::stream
