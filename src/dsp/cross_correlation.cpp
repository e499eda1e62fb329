#include "edx/dsp/cross_correlation.hpp"

#include <algorithm>
#include <complex>
#include <cstdint>
#include <stdexcept>

#include "edx/dsp/fft.hpp"
#include "edx/dsp/resample.hpp"

namespace edx::dsp {

std::vector<double> cross_correlate(std::span<const double> a, std::span<const double> b) {
    if (a.empty() || b.empty()) throw std::invalid_argument("cross_correlate needs two non-empty signals");
    const std::size_t out_len = a.size() + b.size() - 1;
    const auto plan = FftPlan::of_size(next_fast_fft_size(out_len));
    const std::size_t n = plan->size();
    std::vector<double> pa(n, 0.0), pb(n, 0.0);
    std::copy(a.begin(), a.end(), pa.begin());
    std::copy(b.begin(), b.end(), pb.begin());
    std::vector<std::complex<double>> A(plan->spectrum_size()), B(plan->spectrum_size());
    plan->forward(pa, A);
    plan->forward(pb, B);
    for (std::size_t k = 0; k < A.size(); ++k) A[k] *= std::conj(B[k]);
    std::vector<double> circular(n);
    plan->inverse(A, circular);
    // circular[k mod n] holds lag k; negative lags wrap to the end.
    std::vector<double> out(out_len);
    const auto nb = static_cast<std::int64_t>(b.size());
    for (std::size_t i = 0; i < out_len; ++i) {
        const std::int64_t lag = static_cast<std::int64_t>(i) - (nb - 1);
        const std::int64_t idx = lag >= 0 ? lag : static_cast<std::int64_t>(n) + lag;
        out[i] = circular[static_cast<std::size_t>(idx)];
    }
    return out;
}

DelayEstimate estimate_delay(std::span<const double> reference, std::span<const double> delayed,
                             std::size_t upsample_factor, std::size_t max_lag_samples) {
    if (reference.empty() || reference.size() != delayed.size()) {
        throw std::invalid_argument("estimate_delay needs two signals of the same, non-zero length");
    }
    if (upsample_factor == 0) throw std::invalid_argument("estimate_delay upsample_factor must be at least 1");
    const auto r = upsample_fft(reference, upsample_factor);
    const auto d = upsample_fft(delayed, upsample_factor);
    const auto c = cross_correlate(d, r);  // peak at lag = delay
    const auto zero = static_cast<std::int64_t>(r.size()) - 1;
    const auto max_lag = static_cast<std::int64_t>(std::min(max_lag_samples * upsample_factor, r.size() - 1));
    std::int64_t best = zero - max_lag;
    for (std::int64_t i = zero - max_lag; i <= zero + max_lag; ++i) {
        if (c[static_cast<std::size_t>(i)] > c[static_cast<std::size_t>(best)]) best = i;
    }
    double offset = 0.0;
    if (best > 0 && best + 1 < static_cast<std::int64_t>(c.size())) {
        const double y0 = c[static_cast<std::size_t>(best - 1)];
        const double y1 = c[static_cast<std::size_t>(best)];
        const double y2 = c[static_cast<std::size_t>(best + 1)];
        const double denom = y0 - 2.0 * y1 + y2;
        if (denom < 0) offset = 0.5 * (y0 - y2) / denom;
    }
    return {(static_cast<double>(best - zero) + offset) / static_cast<double>(upsample_factor),
            c[static_cast<std::size_t>(best)]};
}

}  // namespace edx::dsp
