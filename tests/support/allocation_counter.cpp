#include "support/allocation_counter.hpp"

#include <atomic>
#include <cstdlib>
#include <new>

namespace {
thread_local bool t_counting = false;
std::atomic<std::size_t> g_allocations{0};

void* counted_alloc(std::size_t size) {
    if (t_counting) g_allocations.fetch_add(1, std::memory_order_relaxed);
    if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
    throw std::bad_alloc();
}

void* counted_aligned_alloc(std::size_t size, std::align_val_t align) {
    if (t_counting) g_allocations.fetch_add(1, std::memory_order_relaxed);
    const auto a = static_cast<std::size_t>(align);
    if (void* p = std::aligned_alloc(a, (size + a - 1) / a * a)) return p;
    throw std::bad_alloc();
}
}  // namespace

namespace edx::test {
void start_counting_allocations() noexcept { t_counting = true; }
void stop_counting_allocations() noexcept { t_counting = false; }
void reset_allocation_count() noexcept { g_allocations = 0; }
std::size_t allocations_counted() noexcept { return g_allocations.load(); }

bool counter_sees_allocations() {
    reset_allocation_count();
    start_counting_allocations();
    void* a = ::operator new(64);
    void* b = ::operator new(4096, std::align_val_t{64});
    stop_counting_allocations();
    ::operator delete(b, std::align_val_t{64});
    ::operator delete(a);
    const bool seen = allocations_counted() == 2;
    reset_allocation_count();
    return seen;
}
}  // namespace edx::test

void* operator new(std::size_t size) { return counted_alloc(size); }
void* operator new[](std::size_t size) { return counted_alloc(size); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
    try { return counted_alloc(size); } catch (...) { return nullptr; }
}
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept {
    try { return counted_alloc(size); } catch (...) { return nullptr; }
}
void* operator new(std::size_t size, std::align_val_t a) { return counted_aligned_alloc(size, a); }
void* operator new[](std::size_t size, std::align_val_t a) { return counted_aligned_alloc(size, a); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
