#include "band_limit.hpp"

#include <algorithm>
#include <cmath>

namespace edx::evoked::detail {

std::size_t band_limit_width(double lowpass_hz, double fs) {
    if (!(lowpass_hz > 0.0) || !(fs > 0.0)) return 1;
    // sinc^2(x) = 1/sqrt(2) at x = pi f w / fs = 1.0025.
    const double w = 1.0025 * fs / (3.14159265358979323846 * lowpass_hz);
    auto width = static_cast<std::size_t>(std::lround(w));
    if (width % 2 == 0) ++width;
    return width < 3 ? 1 : width;
}

namespace {

// The triangle is the moving average of width 2h + 1 applied twice: a
// running sum of the running sum, with the first averages in a ring (no
// allocation; widths are capped at 255 samples, 0.4 ms at 640 kHz).
template <typename T>
void run(const T* x, std::size_t n, std::size_t width, std::size_t from, std::size_t to, T* out) {
    if (from >= to) return;
    if (width <= 1 || n == 0) {
        std::copy(x + from, x + to, out);
        return;
    }
    const auto last = static_cast<long>(n) - 1;
    auto at = [&](long i) { return static_cast<double>(x[i < 0 ? 0 : (i > last ? last : i)]); };
    const double inv = 1.0 / static_cast<double>(width);
    constexpr std::size_t kMaxWidth = 256;
    double ring[kMaxWidth];
    const std::size_t w = std::min<std::size_t>(width, kMaxWidth);
    const long hh = static_cast<long>(w / 2);
    // First average at t = from - hh .. : s1 = sum x[t - hh, t + hh].
    long t1 = static_cast<long>(from) - hh;
    double s1 = 0.0;
    for (long j = t1 - hh; j <= t1 + hh; ++j) s1 += at(j);
    double s2 = 0.0;
    // Fill the ring with the first average over [from - hh, from + hh].
    for (std::size_t k = 0; k < w; ++k, ++t1) {
        const double a = s1 * inv;
        ring[k] = a;
        s2 += a;
        s1 += at(t1 + hh + 1) - at(t1 - hh);
    }
    std::size_t head = 0;  // ring[head] holds the first average at t - hh
    for (long t = static_cast<long>(from); t < static_cast<long>(to); ++t, ++t1) {
        out[t - static_cast<long>(from)] = static_cast<T>(s2 * inv);
        // Slide: add the first average at t + hh + 1 (= t1), drop the one at t - hh.
        const double a = s1 * inv;
        // Away from the ends the samples are read directly (no clamping).
        if (t1 - hh >= 0 && t1 + hh + 1 <= last) {
            s1 += static_cast<double>(x[t1 + hh + 1]) - static_cast<double>(x[t1 - hh]);
        } else {
            s1 += at(t1 + hh + 1) - at(t1 - hh);
        }
        s2 += a - ring[head];
        ring[head] = a;
        head = head + 1 == w ? 0 : head + 1;
    }
}

}  // namespace

void band_limit(const float* x, std::size_t n, std::size_t width, std::size_t from, std::size_t to, float* out) {
    width = std::min<std::size_t>(width, 255);
    const std::size_t h2 = width - 1;  // the triangle reaches 2 (width / 2) = width - 1 either side
    // Float rows (the alignment's): where the triangle stays inside the row,
    // as a direct convolution tap by tap over all samples at once (vectorised;
    // the running sums are a chain of dependent additions); the ends as above.
    const std::size_t a = std::max(from, h2), b = std::min(to, n > h2 ? n - h2 : 0);
    if (width <= 1 || a + 16 > b) {
        run(x, n, width, from, to, out);
        return;
    }
    run(x, n, width, from, a, out);
    run(x, n, width, b, to, out + (b - from));
    float* y = out + (a - from);
    const std::size_t m = b - a;
    std::fill(y, y + m, 0.0f);
    const float inv = 1.0f / static_cast<float>(width * width);
    for (std::size_t j = 0; j <= 2 * h2; ++j) {
        // Weight of x[t - h2 + j]: (width - |j - h2|) / width^2.
        const auto d = static_cast<long>(j) - static_cast<long>(h2);
        const float wj = static_cast<float>(static_cast<long>(width) - std::abs(d)) * inv;
        const float* xj = x + (a + j - h2);
        for (std::size_t i = 0; i < m; ++i) y[i] += wj * xj[i];
    }
}

void band_limit(const double* x, std::size_t n, std::size_t width, std::size_t from, std::size_t to, double* out) {
    run(x, n, std::min<std::size_t>(width, 255), from, to, out);
}

}  // namespace edx::evoked::detail
