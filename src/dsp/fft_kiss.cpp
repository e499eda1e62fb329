// KISS FFT (inside Eigen, MPL-2.0). An Eigen::FFT object keeps its twiddles
// and scratch buffers in itself and fills them on first use, so one object
// cannot be run from two threads. The plan therefore holds a prototype whose
// twiddles are computed once, under the planning lock; each thread executes
// its own copy of it (copying the tables, no trigonometry), made on that
// thread's first use of the length.
#include <memory>
#include <unordered_map>
#include <vector>

#include <unsupported/Eigen/FFT>

#include "fft_common.hpp"

namespace edx::dsp {

struct FftPlan::Impl {
    std::size_t n = 0;
    Eigen::FFT<double> prototype;  // never executed after planning: read-only
};

FftPlan::FftPlan(std::size_t n, std::unique_ptr<Impl> impl) : n_(n), impl_(std::move(impl)) {}

FftPlan::~FftPlan() = default;

namespace {

std::unique_ptr<FftPlan::Impl> make_fft_impl(std::size_t n) {
    auto impl = std::make_unique<FftPlan::Impl>();
    impl->n = n;
    if (n == 1) return impl;
    impl->prototype.SetFlag(Eigen::FFT<double>::HalfSpectrum);
    std::vector<double> x(n, 0.0);
    std::vector<std::complex<double>> X(n / 2 + 1);
    impl->prototype.fwd(X.data(), x.data(), static_cast<Eigen::Index>(n));
    impl->prototype.inv(x.data(), X.data(), static_cast<Eigen::Index>(n));
    return impl;
}

}  // namespace

std::shared_ptr<const FftPlan> FftPlan::make(std::size_t n) {
    return std::shared_ptr<const FftPlan>(new FftPlan(n, make_fft_impl(n)));
}

namespace {

Eigen::FFT<double>& engine_for_this_thread(const FftPlan::Impl& impl) {
    thread_local std::unordered_map<std::size_t, std::unique_ptr<Eigen::FFT<double>>> engines;
    auto& engine = engines[impl.n];
    if (!engine) engine = std::make_unique<Eigen::FFT<double>>(impl.prototype);
    return *engine;
}

}  // namespace

void FftPlan::forward(std::span<const double> in, std::span<std::complex<double>> out) const {
    detail::check_fft_spans(n_, in.size(), out.size());
    if (n_ == 1) {  // the engines' factorisation does not cover length 1
        out[0] = in[0];
        return;
    }
    engine_for_this_thread(*impl_).fwd(out.data(), in.data(), static_cast<Eigen::Index>(n_));
}

void FftPlan::inverse(std::span<const std::complex<double>> in, std::span<double> out) const {
    detail::check_fft_spans(n_, out.size(), in.size());
    if (n_ == 1) {
        out[0] = in[0].real();
        return;
    }
    engine_for_this_thread(*impl_).inv(out.data(), in.data(), static_cast<Eigen::Index>(n_));
}

std::string_view FftPlan::backend() noexcept { return "kiss"; }

}  // namespace edx::dsp
