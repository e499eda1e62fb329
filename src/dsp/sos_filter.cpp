#include "edx/dsp/sos_filter.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace edx::dsp {

namespace {

// One vector register of doubles for the instruction set the module is built
// for (EDX_ARCH): the streaming kernel is written with GCC/Clang vector types
// so its shape does not depend on the auto-vectoriser's mood.
#if defined(__AVX512F__)
constexpr std::size_t kLanes = 8;
#elif defined(__AVX__)
constexpr std::size_t kLanes = 4;
#else
constexpr std::size_t kLanes = 2;
#endif
using Vec = double __attribute__((vector_size(kLanes * sizeof(double))));
using VecU = double __attribute__((vector_size(kLanes * sizeof(double)), aligned(sizeof(double))));
// At most kMaxVecs channel vectors are filtered together: each output depends
// on the previous one through the state, so several independent vectors are
// kept in flight to hide that latency; few enough that their state stays in
// registers. Fewer channels use fewer vectors (1, 2, 4 or 8).
#if defined(__AVX512F__)
constexpr std::size_t kMaxVecs = 8;  // 32 vector registers: 16 hold the state
#else
constexpr std::size_t kMaxVecs = 4;  // 16 vector registers: 8 hold the state
#endif
// Frames converted to double and filtered section by section at a time: the
// scratch (kSubFrames x group doubles) stays in L1.
constexpr std::size_t kSubFrames = 64;

// One transposed-direct-form-II section over one sample. Every path of this
// file computes exactly this expression, in this order, so they agree bit for
// bit (the module is built with -ffp-contract=off, so no path fuses into FMA),
// and in the order of scipy's _sosfilt.pyx.
#define EDX_SOS_STEP(x, y, z1, z2, b0, b1, b2, a1, a2) \
    do {                                                \
        (y) = (b0) * (x) + (z1);                        \
        (z1) = (b1) * (x) - (a1) * (y) + (z2);          \
        (z2) = (b2) * (x) - (a2) * (y);                 \
    } while (0)

// The same with b0 = 1: the streaming filters run each section with its
// numerator divided by b0 and apply the product of the b0s once at the end,
// which saves a multiplication per section and sample (the kernel is bound by
// multiplications). Used when no section has b0 = 0.
#define EDX_SOS_STEP_UNIT_B0(x, y, z1, z2, b1, b2, a1, a2) \
    do {                                                  \
        (y) = (x) + (z1);                                 \
        (z1) = (b1) * (x) - (a1) * (y) + (z2);            \
        (z2) = (b2) * (x) - (a2) * (y);                   \
    } while (0)

// The sections a streaming filter runs: numerators divided by b0 and the
// overall gain apart, unless a section has b0 = 0.
struct RunForm {
    std::vector<SosSection> sections;
    double gain = 1.0;
    bool unit_b0 = false;
};

RunForm run_form(const SosCascade& cascade) {
    RunForm f;
    f.sections.assign(cascade.sections().begin(), cascade.sections().end());
    f.unit_b0 = true;
    for (const auto& s : f.sections) f.unit_b0 = f.unit_b0 && s.b0 != 0.0;
    if (!f.unit_b0) return f;
    for (auto& s : f.sections) {
        f.gain *= s.b0;
        s.b1 /= s.b0;
        s.b2 /= s.b0;
        s.b0 = 1.0;
    }
    return f;
}

// Filters `frames` frames of one group of kVecs x kLanes channels held in buf
// ([frame][group channel]), section after section, with the state in registers.
template <bool kUnitB0, std::size_t kVecs>
void run_group(const SosSection* sections, std::size_t n_sections, double* state, std::size_t stride, double* buf,
               std::size_t frames) noexcept {
    for (std::size_t s = 0; s < n_sections; ++s) {
        const Vec b0 = Vec{} + sections[s].b0;
        const Vec b1 = Vec{} + sections[s].b1;
        const Vec b2 = Vec{} + sections[s].b2;
        const Vec a1 = Vec{} + sections[s].a1;
        const Vec a2 = Vec{} + sections[s].a2;
        auto* z1p = reinterpret_cast<VecU*>(state + (2 * s) * stride);
        auto* z2p = reinterpret_cast<VecU*>(state + (2 * s + 1) * stride);
        Vec z1[kVecs];
        Vec z2[kVecs];
        for (std::size_t v = 0; v < kVecs; ++v) {
            z1[v] = z1p[v];
            z2[v] = z2p[v];
        }
        for (std::size_t t = 0; t < frames; ++t) {
            auto* x = reinterpret_cast<VecU*>(buf + t * kVecs * kLanes);
            for (std::size_t v = 0; v < kVecs; ++v) {
                const Vec xi = x[v];
                Vec y;
                if constexpr (kUnitB0) {
                    EDX_SOS_STEP_UNIT_B0(xi, y, z1[v], z2[v], b1, b2, a1, a2);
                } else {
                    EDX_SOS_STEP(xi, y, z1[v], z2[v], b0, b1, b2, a1, a2);
                }
                x[v] = y;
            }
        }
        for (std::size_t v = 0; v < kVecs; ++v) {
            z1p[v] = z1[v];
            z2p[v] = z2[v];
        }
    }
}

}  // namespace

StreamingSosFilter::StreamingSosFilter(SosCascade cascade, std::size_t channels)
    : cascade_(std::move(cascade)), channels_(channels) {
    if (channels == 0) throw std::invalid_argument("StreamingSosFilter channels must be at least 1");
    RunForm form = run_form(cascade_);
    run_ = std::move(form.sections);
    gain_ = form.gain;
    unit_b0_ = form.unit_b0;
    vecs_ = 1;
    while (vecs_ < kMaxVecs && vecs_ * kLanes < channels) vecs_ *= 2;
    const std::size_t group = vecs_ * kLanes;
    padded_ = (channels + group - 1) / group * group;
    state_.assign(2 * cascade_.size() * padded_, 0.0);
    scratch_.assign(kSubFrames * group, 0.0);
    step_state_ = SosCascade(run_).step_initial_state();
}

std::size_t StreamingSosFilter::state_bytes() const noexcept {
    return (state_.size() + scratch_.size() + step_state_.size()) * sizeof(double) +
           (cascade_.size() + run_.size()) * sizeof(SosSection);
}

void StreamingSosFilter::reset() noexcept { std::fill(state_.begin(), state_.end(), 0.0); }

bool StreamingSosFilter::start_at(std::span<const float> frame) noexcept {
    if (frame.size() != channels_) return false;
    for (std::size_t s = 0; s < cascade_.size(); ++s) {
        for (std::size_t c = 0; c < channels_; ++c) {
            state_[(2 * s) * padded_ + c] = step_state_[2 * s] * static_cast<double>(frame[c]);
            state_[(2 * s + 1) * padded_ + c] = step_state_[2 * s + 1] * static_cast<double>(frame[c]);
        }
    }
    return true;
}

bool StreamingSosFilter::process(std::span<const float> in, std::span<float> out) noexcept {
    if (in.size() != out.size() || in.size() % channels_ != 0) return false;
    const std::size_t frames = in.size() / channels_;
    const std::size_t n_sections = run_.size();
    const SosSection* sections = run_.data();
    double* buf = scratch_.data();
    const float* src = in.data();
    float* dst = out.data();

    const std::size_t group = vecs_ * kLanes;
    for (std::size_t g = 0; g < padded_; g += group) {
        const std::size_t width = std::min(group, channels_ - g);
        double* state = state_.data() + g;
        for (std::size_t t0 = 0; t0 < frames; t0 += kSubFrames) {
            const std::size_t n = std::min(kSubFrames, frames - t0);
            for (std::size_t t = 0; t < n; ++t) {
                const float* row = src + (t0 + t) * channels_ + g;
                double* b = buf + t * group;
                if (width == group) {
                    for (std::size_t j = 0; j < group; ++j) b[j] = static_cast<double>(row[j]);
                } else {
                    for (std::size_t j = 0; j < group; ++j) b[j] = j < width ? static_cast<double>(row[j]) : 0.0;
                }
            }
            if (unit_b0_) {
                switch (vecs_) {
                    case 1: run_group<true, 1>(sections, n_sections, state, padded_, buf, n); break;
                    case 2: run_group<true, 2>(sections, n_sections, state, padded_, buf, n); break;
                    case 4: run_group<true, 4>(sections, n_sections, state, padded_, buf, n); break;
                    default: run_group<true, kMaxVecs>(sections, n_sections, state, padded_, buf, n); break;
                }
            } else {
                switch (vecs_) {
                    case 1: run_group<false, 1>(sections, n_sections, state, padded_, buf, n); break;
                    case 2: run_group<false, 2>(sections, n_sections, state, padded_, buf, n); break;
                    case 4: run_group<false, 4>(sections, n_sections, state, padded_, buf, n); break;
                    default: run_group<false, kMaxVecs>(sections, n_sections, state, padded_, buf, n); break;
                }
            }
            const double gain = gain_;
            for (std::size_t t = 0; t < n; ++t) {
                float* row = dst + (t0 + t) * channels_ + g;
                for (std::size_t j = 0; j < width; ++j) row[j] = static_cast<float>(gain * buf[t * group + j]);
            }
        }
        // A non-finite sample poisons the recursion for ever; restart the channel.
        for (std::size_t j = 0; j < width; ++j) {
            double sum = 0.0;
            for (std::size_t s = 0; s < 2 * n_sections; ++s) sum += state[s * padded_ + j];
            if (!std::isfinite(sum)) {
                for (std::size_t s = 0; s < 2 * n_sections; ++s) state[s * padded_ + j] = 0.0;
                ++restarts_;
            }
        }
    }
    return true;
}

ScalarSosFilter::ScalarSosFilter(SosCascade cascade, std::size_t channels)
    : cascade_(std::move(cascade)), channels_(channels) {
    if (channels == 0) throw std::invalid_argument("ScalarSosFilter channels must be at least 1");
    RunForm form = run_form(cascade_);
    run_ = std::move(form.sections);
    gain_ = form.gain;
    unit_b0_ = form.unit_b0;
    state_.assign(2 * cascade_.size() * channels_, 0.0);
    step_state_ = SosCascade(run_).step_initial_state();
}

void ScalarSosFilter::reset() noexcept { std::fill(state_.begin(), state_.end(), 0.0); }

bool ScalarSosFilter::start_at(std::span<const float> frame) noexcept {
    if (frame.size() != channels_) return false;
    const std::size_t per = 2 * cascade_.size();
    for (std::size_t c = 0; c < channels_; ++c) {
        for (std::size_t i = 0; i < per; ++i) state_[c * per + i] = step_state_[i] * static_cast<double>(frame[c]);
    }
    return true;
}

bool ScalarSosFilter::process(std::span<const float> in, std::span<float> out) noexcept {
    if (in.size() != out.size() || in.size() % channels_ != 0) return false;
    const std::size_t frames = in.size() / channels_;
    const std::size_t per = 2 * cascade_.size();
    for (std::size_t c = 0; c < channels_; ++c) {
        double* z = state_.data() + c * per;
        for (std::size_t t = 0; t < frames; ++t) {
            double x = static_cast<double>(in[t * channels_ + c]);
            for (std::size_t s = 0; s < run_.size(); ++s) {
                double y;
                const SosSection& q = run_[s];
                if (unit_b0_) {
                    EDX_SOS_STEP_UNIT_B0(x, y, z[2 * s], z[2 * s + 1], q.b1, q.b2, q.a1, q.a2);
                } else {
                    EDX_SOS_STEP(x, y, z[2 * s], z[2 * s + 1], q.b0, q.b1, q.b2, q.a1, q.a2);
                }
                x = y;
            }
            out[t * channels_ + c] = static_cast<float>(gain_ * x);
        }
        double sum = 0.0;
        for (std::size_t i = 0; i < per; ++i) sum += z[i];
        if (!std::isfinite(sum)) {
            std::fill(z, z + per, 0.0);
            ++restarts_;
        }
    }
    return true;
}

namespace {

// sosfilt with the section count known at compile time: the coefficients and
// the state live in registers (through a span they are reloaded and stored at
// every sample, since x might alias them), and the sections of consecutive
// samples overlap in the pipeline. Same expression, same order: bit for bit
// what the loop below computes.
template <std::size_t N>
void sosfilt_fixed(const SosCascade& cascade, std::span<double> x, std::span<double> state) {
    double b0[N], b1[N], b2[N], a1[N], a2[N], z1[N], z2[N];
    for (std::size_t s = 0; s < N; ++s) {
        b0[s] = cascade[s].b0;
        b1[s] = cascade[s].b1;
        b2[s] = cascade[s].b2;
        a1[s] = cascade[s].a1;
        a2[s] = cascade[s].a2;
        z1[s] = state[2 * s];
        z2[s] = state[2 * s + 1];
    }
    for (double& v : x) {
        double in = v;
        for (std::size_t s = 0; s < N; ++s) {
            double y;
            EDX_SOS_STEP(in, y, z1[s], z2[s], b0[s], b1[s], b2[s], a1[s], a2[s]);
            in = y;
        }
        v = in;
    }
    for (std::size_t s = 0; s < N; ++s) {
        state[2 * s] = z1[s];
        state[2 * s + 1] = z2[s];
    }
}

}  // namespace

void sosfilt(const SosCascade& cascade, std::span<double> x, std::span<double> state) {
    std::vector<double> zero;
    if (state.empty()) {
        zero.assign(2 * cascade.size(), 0.0);
        state = zero;
    }
    if (state.size() != 2 * cascade.size()) {
        throw std::invalid_argument("sosfilt state must hold 2 values per section");
    }
    switch (cascade.size()) {
        case 1: return sosfilt_fixed<1>(cascade, x, state);
        case 2: return sosfilt_fixed<2>(cascade, x, state);
        case 3: return sosfilt_fixed<3>(cascade, x, state);
        case 4: return sosfilt_fixed<4>(cascade, x, state);
        case 5: return sosfilt_fixed<5>(cascade, x, state);
        case 6: return sosfilt_fixed<6>(cascade, x, state);
        case 7: return sosfilt_fixed<7>(cascade, x, state);
        case 8: return sosfilt_fixed<8>(cascade, x, state);
        default: break;
    }
    for (double& v : x) {
        double in = v;
        for (std::size_t s = 0; s < cascade.size(); ++s) {
            double y;
            const SosSection& q = cascade[s];
            EDX_SOS_STEP(in, y, state[2 * s], state[2 * s + 1], q.b0, q.b1, q.b2, q.a1, q.a2);
            in = y;
        }
        v = in;
    }
}

#undef EDX_SOS_STEP
#undef EDX_SOS_STEP_UNIT_B0

}  // namespace edx::dsp
