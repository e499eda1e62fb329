// The real-time rule for the FAIR online estimator, proven: after
// construction, feeding markers and 200 sweeps and recomputing the estimate
// (bootstrap included) after every sweep makes no heap allocation. This
// program replaces the global operator new and delete to count allocations,
// so it is a test executable of its own.
#include <catch2/catch.hpp>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <new>
#include <vector>

#include "edx/evoked/fair_online.hpp"

namespace {
std::atomic<bool> g_counting{false};
std::atomic<std::size_t> g_allocations{0};

void* counted_alloc(std::size_t size) {
    if (g_counting.load(std::memory_order_relaxed)) g_allocations.fetch_add(1, std::memory_order_relaxed);
    if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
    throw std::bad_alloc();
}

void* counted_aligned_alloc(std::size_t size, std::align_val_t align) {
    if (g_counting.load(std::memory_order_relaxed)) g_allocations.fetch_add(1, std::memory_order_relaxed);
    const auto a = static_cast<std::size_t>(align);
    if (void* p = std::aligned_alloc(a, (size + a - 1) / a * a)) return p;
    throw std::bad_alloc();
}
}  // namespace

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

using namespace edx::evoked;

TEST_CASE("the allocation counter sees allocations (the test can fail)", "[fair][realtime]") {
    g_allocations = 0;
    g_counting = true;
    auto* v = new std::vector<double>(100);
    g_counting = false;
    delete v;
    CHECK(g_allocations.load() >= 2);
}

TEST_CASE("feeding and updating the FAIR online estimator allocates nothing after construction",
          "[fair][realtime]") {
    FairOnlineConfig config;
    config.max_sweeps = 256;
    FairOnline online(config);  // start-up: everything is made here
    // Prepared before counting: a deterministic latency pattern.
    std::vector<double> jitter(200);
    for (std::size_t i = 0; i < jitter.size(); ++i) jitter[i] = 0.3 * std::sin(1.7 * static_cast<double>(i));

    g_allocations = 0;
    g_counting = true;
    double t = 0.0;
    int statuses_ok = 0, estimates_ok = 0;
    std::size_t k = 0;
    for (int cycle = 0; cycle < 5; ++cycle) {
        statuses_ok += online.add_marker(t, "anatomic") == FairInputStatus::accepted;
        for (int s = 0; s < 20; ++s, ++k) {
            t += 2.0;
            statuses_ok += online.add_sweep(t, "anatomic", 30.0 + jitter[k], k % 17 == 0) == FairInputStatus::accepted;
            estimates_ok += online.update().status == FairStatus::ok;
        }
        t += 40.0;  // past the recovery window before the next baseline
        statuses_ok += online.add_marker(t, "fair") == FairInputStatus::accepted;
        for (int s = 0; s < 20; ++s, ++k) {
            t += 2.0;
            const std::optional<double> latency =
                k % 13 == 0 ? std::nullopt : std::optional<double>(32.5 + jitter[k]);
            statuses_ok += online.add_sweep(t, "fair", latency, false) == FairInputStatus::accepted;
            estimates_ok += online.update().status == FairStatus::ok;
        }
        t += 1.0;
    }
    g_counting = false;
    REQUIRE(g_allocations.load() == 0);
    // The run did real work: every input accepted, estimates with a delay.
    REQUIRE(statuses_ok == 210);
    REQUIRE(estimates_ok > 150);
    REQUIRE(*online.estimate().delay_ms == Approx(2.5).margin(0.2));
}
