#include <map>
#include <mutex>
#include <stdexcept>
#include <string>

#include "fft_common.hpp"

namespace edx::dsp {

std::shared_ptr<const FftPlan> FftPlan::of_size(std::size_t n) {
    if (n == 0) throw std::invalid_argument("FFT length must be at least 1");
    // Both engines' planners share state between plans (FFTW's is not
    // thread-safe at all), so plans are made one at a time, once per length.
    static std::mutex mutex;
    static std::map<std::size_t, std::shared_ptr<const FftPlan>> plans;
    const std::lock_guard lock(mutex);
    auto& plan = plans[n];
    if (!plan) plan = make(n);
    return plan;
}

std::size_t next_fast_fft_size(std::size_t n) {
    if (n <= 1) return 1;
    for (std::size_t m = n;; ++m) {
        std::size_t r = m;
        for (std::size_t p : {2u, 3u, 5u}) {
            while (r % p == 0) r /= p;
        }
        if (r == 1) return m;
    }
}

namespace detail {

void check_fft_spans(std::size_t n, std::size_t real_size, std::size_t complex_size) {
    if (real_size != n || complex_size != n / 2 + 1) {
        throw std::invalid_argument("FFT of length " + std::to_string(n) + " needs " + std::to_string(n) +
                                    " samples and " + std::to_string(n / 2 + 1) + " bins, got " +
                                    std::to_string(real_size) + " and " + std::to_string(complex_size));
    }
}

}  // namespace detail
}  // namespace edx::dsp
