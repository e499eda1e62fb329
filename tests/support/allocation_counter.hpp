// Counting heap allocations, to prove the real-time rule (no allocation after
// start-up). allocation_counter.cpp replaces the global operator new and
// delete, so a test program links it once and is a test executable of its
// own. Counting is per thread: only the thread under test is counted.
#pragma once

#include <cstddef>

namespace edx::test {

void start_counting_allocations() noexcept;  // this thread, from now on
void stop_counting_allocations() noexcept;
void reset_allocation_count() noexcept;
std::size_t allocations_counted() noexcept;  // since the last reset, all threads that counted

// Whether the replacement is in effect: two allocations made while counting
// (direct calls of operator new, which no compiler may elide) are seen. Each
// real-time test checks this first, so a counter that counts nothing cannot
// pass a test. Resets the count.
bool counter_sees_allocations();

// Counts this thread's allocations while alive.
struct CountingScope {
    CountingScope() noexcept { start_counting_allocations(); }
    ~CountingScope() { stop_counting_allocations(); }
    CountingScope(const CountingScope&) = delete;
    CountingScope& operator=(const CountingScope&) = delete;
};

}  // namespace edx::test
