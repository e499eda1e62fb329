// Follows scipy.signal's _filter_design.py step by step (same ordering of
// poles and zeros, same tie-breaking), because the pairing of poles with zeros
// and the order of sections are choices, and the contract is scipy's choice.
#include "zpk.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <numeric>
#include <stdexcept>

namespace edx::dsp::detail {

namespace {

bool is_real(const Complex& c) noexcept { return c.imag() == 0.0; }

Complex product(const std::vector<Complex>& v, double shift, double sign) {
    // prod(shift + sign * v), multiplied left to right as numpy.prod does.
    Complex acc = 1.0;
    for (const auto& x : v) acc *= shift + sign * x;
    return acc;
}

int relative_degree(const Zpk& f) {
    const auto degree = static_cast<int>(f.p.size()) - static_cast<int>(f.z.size());
    if (degree < 0) throw std::logic_error("improper transfer function: more zeros than poles");
    return degree;
}

// scipy's _cplxreal: one member (imag > 0) of each conjugate pair, sorted by
// real part then |imag|, followed by the real values, sorted.
std::vector<Complex> conjugate_halves_then_reals(std::vector<Complex> z) {
    const double tol = 100.0 * std::numeric_limits<double>::epsilon();
    std::stable_sort(z.begin(), z.end(), [](const Complex& a, const Complex& b) {
        if (a.real() != b.real()) return a.real() < b.real();
        return std::abs(a.imag()) < std::abs(b.imag());
    });
    std::vector<Complex> reals, zp, zn;
    for (const auto& c : z) {
        if (std::abs(c.imag()) <= tol * std::abs(c)) {
            reals.emplace_back(c.real(), 0.0);
        } else if (c.imag() > 0) {
            zp.push_back(c);
        } else {
            zn.push_back(c);
        }
    }
    if (zp.size() != zn.size()) throw std::logic_error("complex value without its conjugate");
    // Runs of (nearly) equal real part are sorted by |imag|.
    std::size_t start = 0;
    while (start < zp.size()) {
        std::size_t stop = start;
        while (stop + 1 < zp.size() && zp[stop + 1].real() - zp[stop].real() <= tol * std::abs(zp[stop])) ++stop;
        if (stop > start) {
            auto by_imag = [](const Complex& a, const Complex& b) { return std::abs(a.imag()) < std::abs(b.imag()); };
            std::stable_sort(zp.begin() + static_cast<std::ptrdiff_t>(start),
                             zp.begin() + static_cast<std::ptrdiff_t>(stop + 1), by_imag);
            std::stable_sort(zn.begin() + static_cast<std::ptrdiff_t>(start),
                             zn.begin() + static_cast<std::ptrdiff_t>(stop + 1), by_imag);
        }
        start = stop + 1;
    }
    std::vector<Complex> out;
    for (std::size_t i = 0; i < zp.size(); ++i) {
        if (std::abs(zp[i] - std::conj(zn[i])) > tol * std::abs(zn[i])) {
            throw std::logic_error("complex value without its conjugate");
        }
        out.push_back((zp[i] + std::conj(zn[i])) / 2.0);
    }
    out.insert(out.end(), reals.begin(), reals.end());
    return out;
}

// The pole closest to the unit circle (first of equals, like numpy.argmin).
std::size_t index_worst(const std::vector<Complex>& p, const std::vector<std::size_t>& among) {
    std::size_t best = among.front();
    double best_d = std::abs(1.0 - std::abs(p[best]));
    for (std::size_t i : among) {
        const double d = std::abs(1.0 - std::abs(p[i]));
        if (d < best_d) {
            best_d = d;
            best = i;
        }
    }
    return best;
}

std::vector<std::size_t> all_indices(std::size_t n) {
    std::vector<std::size_t> idx(n);
    std::iota(idx.begin(), idx.end(), 0);
    return idx;
}

enum class Which { real, complex, any };

// scipy's _nearest_real_complex_idx; a stable sort equals numpy's argsort for
// the short arrays filters have (numpy sorts up to 16 elements by insertion).
std::size_t nearest(const std::vector<Complex>& from, const Complex& to, Which which) {
    std::vector<std::size_t> order = all_indices(from.size());
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return std::abs(from[a] - to) < std::abs(from[b] - to); });
    for (std::size_t i : order) {
        if (which == Which::any) return i;
        if ((which == Which::real) == is_real(from[i])) return i;
    }
    throw std::logic_error("no zero of the requested kind left to pair");
}

Complex take(std::vector<Complex>& v, std::size_t i) {
    const Complex c = v[i];
    v.erase(v.begin() + static_cast<std::ptrdiff_t>(i));
    return c;
}

// Monic polynomial with the given roots (numpy.poly), real part.
std::vector<double> poly(const std::vector<Complex>& roots) {
    std::vector<Complex> a{1.0};
    for (const auto& r : roots) {
        std::vector<Complex> next(a.size() + 1, 0.0);
        for (std::size_t i = 0; i < a.size(); ++i) {
            next[i] += a[i];
            next[i + 1] += a[i] * (-r);
        }
        a = std::move(next);
    }
    std::vector<double> out;
    for (const auto& c : a) out.push_back(c.real());
    return out;
}

SosSection single_section(const std::vector<Complex>& zeros, const std::vector<Complex>& poles) {
    double row[6] = {0, 0, 0, 0, 0, 0};
    const auto b = poly(zeros);
    const auto a = poly(poles);
    std::copy(b.begin(), b.end(), row + (3 - b.size()));
    std::copy(a.begin(), a.end(), row + (6 - a.size()));
    if (row[3] != 1.0) throw std::logic_error("section with fewer than two poles");
    return {row[0], row[1], row[2], row[4], row[5]};
}

}  // namespace

Zpk butterworth_prototype(int order) {
    Zpk f;
    for (int m = -order + 1; m < order; m += 2) {
        const double theta = std::numbers::pi * m / (2.0 * order);
        f.p.push_back(-Complex(std::cos(theta), std::sin(theta)));
    }
    return f;
}

Zpk lowpass_to_lowpass(const Zpk& in, double wo) {
    const int degree = relative_degree(in);
    Zpk f;
    for (const auto& z : in.z) f.z.push_back(wo * z);
    for (const auto& p : in.p) f.p.push_back(wo * p);
    f.k = in.k * std::pow(wo, degree);
    return f;
}

Zpk lowpass_to_highpass(const Zpk& in, double wo) {
    const int degree = relative_degree(in);
    Zpk f;
    for (const auto& z : in.z) f.z.push_back(wo / z);
    for (const auto& p : in.p) f.p.push_back(wo / p);
    f.z.insert(f.z.end(), static_cast<std::size_t>(degree), Complex(0.0));
    f.k = in.k * (product(in.z, 0.0, -1.0) / product(in.p, 0.0, -1.0)).real();
    return f;
}

Zpk lowpass_to_bandpass(const Zpk& in, double wo, double bw) {
    const int degree = relative_degree(in);
    Zpk f;
    auto split = [&](const std::vector<Complex>& roots, std::vector<Complex>& out) {
        std::vector<Complex> lp;
        for (const auto& r : roots) lp.push_back(r * bw / 2.0);
        for (const auto& r : lp) out.push_back(r + std::sqrt(r * r - wo * wo));
        for (const auto& r : lp) out.push_back(r - std::sqrt(r * r - wo * wo));
    };
    split(in.z, f.z);
    split(in.p, f.p);
    f.z.insert(f.z.end(), static_cast<std::size_t>(degree), Complex(0.0));
    f.k = in.k * std::pow(bw, degree);
    return f;
}

Zpk lowpass_to_bandstop(const Zpk& in, double wo, double bw) {
    const int degree = relative_degree(in);
    Zpk f;
    auto split = [&](const std::vector<Complex>& roots, std::vector<Complex>& out) {
        std::vector<Complex> hp;
        for (const auto& r : roots) hp.push_back((bw / 2.0) / r);
        for (const auto& r : hp) out.push_back(r + std::sqrt(r * r - wo * wo));
        for (const auto& r : hp) out.push_back(r - std::sqrt(r * r - wo * wo));
    };
    split(in.z, f.z);
    split(in.p, f.p);
    f.z.insert(f.z.end(), static_cast<std::size_t>(degree), Complex(0.0, wo));
    f.z.insert(f.z.end(), static_cast<std::size_t>(degree), Complex(0.0, -wo));
    f.k = in.k * (product(in.z, 0.0, -1.0) / product(in.p, 0.0, -1.0)).real();
    return f;
}

Zpk bilinear(const Zpk& in, double fs) {
    const int degree = relative_degree(in);
    const double fs2 = 2.0 * fs;
    Zpk f;
    for (const auto& z : in.z) f.z.push_back((fs2 + z) / (fs2 - z));
    for (const auto& p : in.p) f.p.push_back((fs2 + p) / (fs2 - p));
    f.z.insert(f.z.end(), static_cast<std::size_t>(degree), Complex(-1.0));
    f.k = in.k * (product(in.z, fs2, -1.0) / product(in.p, fs2, -1.0)).real();
    return f;
}

SosCascade zpk_to_sos(const Zpk& in) {
    std::vector<Complex> z = in.z;
    std::vector<Complex> p = in.p;
    if (z.empty() && p.empty()) return SosCascade({{in.k, 0.0, 0.0, 0.0, 0.0}});
    while (p.size() < z.size()) p.emplace_back(0.0);
    while (z.size() < p.size()) z.emplace_back(0.0);
    const std::size_t n_sections = (p.size() + 1) / 2;
    if (p.size() % 2 == 1) {
        p.emplace_back(0.0);
        z.emplace_back(0.0);
    }
    z = conjugate_halves_then_reals(std::move(z));
    p = conjugate_halves_then_reals(std::move(p));

    auto count_real = [](const std::vector<Complex>& v) {
        return static_cast<std::size_t>(std::count_if(v.begin(), v.end(), is_real));
    };

    std::vector<SosSection> sos(n_sections);
    // The poles closest to the unit circle go last, where the gain in front
    // of them is smallest.
    for (std::size_t si = n_sections; si-- > 0;) {
        const Complex p1 = take(p, index_worst(p, all_indices(p.size())));
        if (is_real(p1) && count_real(p) == 0) {
            const Complex z1 = take(z, nearest(z, p1, Which::real));
            sos[si] = single_section({z1, 0.0}, {p1, 0.0});
        } else if (p.size() + 1 == z.size() && !is_real(p1) && count_real(p) == 1 && count_real(z) == 1) {
            const Complex z1 = take(z, nearest(z, p1, Which::complex));
            sos[si] = single_section({z1, std::conj(z1)}, {p1, std::conj(p1)});
        } else {
            Complex p2;
            if (is_real(p1)) {
                std::vector<std::size_t> reals;
                for (std::size_t i = 0; i < p.size(); ++i) {
                    if (is_real(p[i])) reals.push_back(i);
                }
                p2 = take(p, index_worst(p, reals));
            } else {
                p2 = std::conj(p1);
            }
            if (!z.empty()) {
                const Complex z1 = take(z, nearest(z, p1, Which::any));
                if (!is_real(z1)) {
                    sos[si] = single_section({z1, std::conj(z1)}, {p1, p2});
                } else if (!z.empty()) {
                    const Complex z2 = take(z, nearest(z, p1, Which::real));
                    sos[si] = single_section({z1, z2}, {p1, p2});
                } else {
                    sos[si] = single_section({z1}, {p1, p2});
                }
            } else {
                sos[si] = single_section({}, {p1, p2});
            }
        }
    }
    sos[0].b0 *= in.k;
    sos[0].b1 *= in.k;
    sos[0].b2 *= in.k;
    return SosCascade(std::move(sos));
}

}  // namespace edx::dsp::detail
