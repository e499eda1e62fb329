// FFTW3 (GPL-2+: only when the build chose EDX_FFT=fftw). The planner is not
// thread-safe, so plans are made under FftPlan's lock; fftw_execute_dft_r2c /
// _c2r on new arrays is thread-safe. Plans are made FFTW_UNALIGNED so any
// caller's arrays may be passed, and c2r gets a copy because it overwrites its input.
#include <cstring>
#include <stdexcept>
#include <vector>

#include <fftw3.h>

#include "fft_common.hpp"

namespace edx::dsp {

struct FftPlan::Impl {
    std::size_t n = 0;
    fftw_plan forward = nullptr;
    fftw_plan inverse = nullptr;
    ~Impl() {
        if (forward) fftw_destroy_plan(forward);
        if (inverse) fftw_destroy_plan(inverse);
    }
};

FftPlan::FftPlan(std::size_t n, std::unique_ptr<Impl> impl) : n_(n), impl_(std::move(impl)) {}

FftPlan::~FftPlan() = default;

namespace {

std::unique_ptr<FftPlan::Impl> make_fft_impl(std::size_t n) {
    auto impl = std::make_unique<FftPlan::Impl>();
    impl->n = n;
    if (n == 1) return impl;
    const int len = static_cast<int>(n);
    std::vector<double> x(n);
    std::vector<fftw_complex> X(n / 2 + 1);
    const unsigned flags = FFTW_ESTIMATE | FFTW_UNALIGNED;
    impl->forward = fftw_plan_dft_r2c_1d(len, x.data(), X.data(), flags);
    impl->inverse = fftw_plan_dft_c2r_1d(len, X.data(), x.data(), flags | FFTW_DESTROY_INPUT);
    if (!impl->forward || !impl->inverse) throw std::runtime_error("FFTW could not plan length " + std::to_string(n));
    return impl;
}

}  // namespace

std::shared_ptr<const FftPlan> FftPlan::make(std::size_t n) {
    return std::shared_ptr<const FftPlan>(new FftPlan(n, make_fft_impl(n)));
}

void FftPlan::forward(std::span<const double> in, std::span<std::complex<double>> out) const {
    detail::check_fft_spans(n_, in.size(), out.size());
    if (n_ == 1) {  // the engines' factorisation does not cover length 1
        out[0] = in[0];
        return;
    }
    // std::complex<double> is layout-compatible with fftw_complex.
    fftw_execute_dft_r2c(impl_->forward, const_cast<double*>(in.data()),
                         reinterpret_cast<fftw_complex*>(out.data()));
}

void FftPlan::inverse(std::span<const std::complex<double>> in, std::span<double> out) const {
    detail::check_fft_spans(n_, out.size(), in.size());
    if (n_ == 1) {
        out[0] = in[0].real();
        return;
    }
    std::vector<std::complex<double>> copy(in.begin(), in.end());
    fftw_execute_dft_c2r(impl_->inverse, reinterpret_cast<fftw_complex*>(copy.data()), out.data());
    const double scale = 1.0 / static_cast<double>(n_);
    for (double& v : out) v *= scale;
}

std::string_view FftPlan::backend() noexcept { return "fftw"; }

}  // namespace edx::dsp
