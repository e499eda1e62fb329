// The one door to the FFT engine. Plans are made once per length and shared;
// making a plan is serialised, executing one is thread-safe (any number of
// threads may run the same plan at once). The engine is chosen at build time
// by EDX_FFT: Eigen's KISS FFT (default, MPL-2.0) or FFTW3 (GPL-2+).
#pragma once

#include <complex>
#include <cstddef>
#include <memory>
#include <span>
#include <string_view>

namespace edx::dsp {

class FftPlan {
public:
    // The plan for real transforms of length n (n >= 1), made on first request
    // and kept for the life of the process. Throws std::invalid_argument for n = 0.
    static std::shared_ptr<const FftPlan> of_size(std::size_t n);

    std::size_t size() const noexcept { return n_; }
    std::size_t spectrum_size() const noexcept { return n_ / 2 + 1; }

    // numpy.fft.rfft: n real samples -> n/2+1 bins, X[k] = sum x[t] e^{-2 pi i k t / n}.
    // Throws std::invalid_argument if a span has the wrong size.
    void forward(std::span<const double> in, std::span<std::complex<double>> out) const;
    // numpy.fft.irfft with length n: n/2+1 bins -> n samples, including the 1/n
    // scale. The imaginary parts of bin 0 (and of bin n/2 for even n) are ignored.
    void inverse(std::span<const std::complex<double>> in, std::span<double> out) const;

    // "kiss" or "fftw".
    static std::string_view backend() noexcept;

    ~FftPlan();
    FftPlan(const FftPlan&) = delete;
    FftPlan& operator=(const FftPlan&) = delete;

    struct Impl;

private:
    FftPlan(std::size_t n, std::unique_ptr<Impl> impl);
    // Defined by the engine's source (fft_kiss.cpp or fft_fftw.cpp).
    static std::shared_ptr<const FftPlan> make(std::size_t n);
    std::size_t n_;
    std::unique_ptr<Impl> impl_;
};

// The smallest length >= n whose only prime factors are 2, 3 and 5, which
// both engines transform fastest.
std::size_t next_fast_fft_size(std::size_t n);

}  // namespace edx::dsp
