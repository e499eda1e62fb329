// A bounded single-producer/single-consumer queue: the hand-off from the
// real-time path to the threads that measure. Lock-free (one atomic index per
// side), sized at construction, so pushing and popping never allocate, lock
// or block; a full queue is reported to the producer, which decides what to do.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <new>
#include <stdexcept>
#include <vector>

namespace edx::stream {

template <class T>
class SpscRing {
public:
    // Throws std::invalid_argument if capacity is 0.
    explicit SpscRing(std::size_t capacity) : slots_(capacity) {
        if (capacity == 0) throw std::invalid_argument("SpscRing capacity must be at least 1");
    }

    std::size_t capacity() const noexcept { return slots_.size(); }

    // Producer side.
    bool try_push(const T& item) noexcept {
        const std::uint64_t tail = tail_.load(std::memory_order_relaxed);
        if (tail - head_.load(std::memory_order_acquire) == slots_.size()) return false;
        slots_[tail % slots_.size()] = item;
        tail_.store(tail + 1, std::memory_order_release);
        return true;
    }
    std::size_t free_slots() const noexcept {
        return slots_.size() - static_cast<std::size_t>(tail_.load(std::memory_order_relaxed) -
                                                       head_.load(std::memory_order_acquire));
    }

    // Consumer side.
    bool try_pop(T& item) noexcept {
        const std::uint64_t head = head_.load(std::memory_order_relaxed);
        if (head == tail_.load(std::memory_order_acquire)) return false;
        item = slots_[head % slots_.size()];
        head_.store(head + 1, std::memory_order_release);
        return true;
    }
    bool empty() const noexcept {
        return head_.load(std::memory_order_acquire) == tail_.load(std::memory_order_acquire);
    }
    std::size_t size() const noexcept {
        return static_cast<std::size_t>(tail_.load(std::memory_order_acquire) - head_.load(std::memory_order_acquire));
    }

private:
    std::vector<T> slots_;
    alignas(64) std::atomic<std::uint64_t> head_{0};  // next to pop (consumer)
    alignas(64) std::atomic<std::uint64_t> tail_{0};  // next to push (producer)
};

}  // namespace edx::stream
