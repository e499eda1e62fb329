// An IIR filter as an immutable cascade of second-order sections (biquads),
// the form every filter of the signal path is designed in and run as. Section
// rows follow scipy's SOS convention [b0 b1 b2 a0 a1 a2] with a0 = 1.
#pragma once

#include <complex>
#include <cstddef>
#include <span>
#include <vector>

namespace edx::dsp {

// H(z) = (b0 + b1 z^-1 + b2 z^-2) / (1 + a1 z^-1 + a2 z^-2)
struct SosSection {
    double b0 = 1.0;
    double b1 = 0.0;
    double b2 = 0.0;
    double a1 = 0.0;
    double a2 = 0.0;
};

class SosCascade {
public:
    SosCascade() = default;
    // Throws std::invalid_argument naming the section if a coefficient is not finite.
    explicit SosCascade(std::vector<SosSection> sections);
    // Rows of six values in scipy's layout [b0 b1 b2 a0 a1 a2]; each row is
    // divided by its a0, which must be non-zero and finite.
    static SosCascade from_rows(std::span<const double> rows);

    std::span<const SosSection> sections() const noexcept { return sections_; }
    std::size_t size() const noexcept { return sections_.size(); }
    bool empty() const noexcept { return sections_.empty(); }
    const SosSection& operator[](std::size_t i) const noexcept { return sections_[i]; }

    // This cascade followed by `next` (the product of the transfer functions).
    SosCascade then(const SosCascade& next) const;

    // Complex frequency response at `frequency_hz` for sample rate `sample_rate_hz`.
    std::complex<double> response(double frequency_hz, double sample_rate_hz) const;

    // Steady-state section states for a unit step input (scipy.signal.sosfilt_zi):
    // two values per section, [z1, z2] of the transposed direct form II.
    std::vector<double> step_initial_state() const;

    // True when every section's poles lie strictly inside the unit circle.
    bool is_stable() const noexcept;

private:
    std::vector<SosSection> sections_;
};

}  // namespace edx::dsp
