#include "nuisance.hpp"

#include <algorithm>
#include <cmath>
#include <complex>
#include <numbers>

namespace edx::evoked::detail {

namespace {

std::vector<double> harmonic_freqs(double mains_hz, int harmonics, double fs) {
    std::vector<double> freqs;
    if (mains_hz > 0.0) {
        for (int h = 0; h < harmonics; ++h) {
            const double f = mains_hz * (2 * h + 1);
            if (f < 0.45 * fs) freqs.push_back(f);
        }
    }
    return freqs;
}

// Response of an average of `step` consecutive samples to a sinusoid at f
// (Dirichlet kernel): the averaged sinusoid is this times the one at the centre.
double box_gain(double f, double fs, double step) {
    const double w = 2.0 * std::numbers::pi * f / fs;
    if (step <= 1.0 || std::abs(std::sin(0.5 * w)) < 1e-12) return 1.0;
    return std::sin(0.5 * step * w) / (step * std::sin(0.5 * w));
}

// Raw columns on a uniform grid t_k = first + k * step: Legendre, then sin and
// cos of each frequency by rotation (no trigonometric call per sample).
Eigen::MatrixXd raw_basis(std::size_t count, double first, double step, double fs, int degree,
                          const std::vector<double>& freqs) {
    const auto cols = static_cast<Eigen::Index>(std::max(degree + 1, 0) + 2 * static_cast<int>(freqs.size()));
    Eigen::MatrixXd z(static_cast<Eigen::Index>(count), cols);
    const double half = std::max(0.5 * step * static_cast<double>(count > 0 ? count - 1 : 0), 1e-12);
    for (std::size_t k = 0; k < count; ++k) {
        const double xv = (step * static_cast<double>(k) - half) / half;
        Eigen::Index c = 0;
        if (degree >= 0) {
            double p0 = 1.0, p1 = xv;
            z(static_cast<Eigen::Index>(k), c++) = p0;
            if (degree >= 1) z(static_cast<Eigen::Index>(k), c++) = p1;
            for (int d = 2; d <= degree; ++d) {
                const double p2 = ((2.0 * d - 1.0) * xv * p1 - (d - 1.0) * p0) / d;
                z(static_cast<Eigen::Index>(k), c++) = p2;
                p0 = p1;
                p1 = p2;
            }
        }
    }
    Eigen::Index c = std::max(degree + 1, 0);
    for (double f : freqs) {
        const double w = 2.0 * std::numbers::pi * f / fs;
        const double g = box_gain(f, fs, step);
        // Rotation by w * step per row, restarted every 256 rows to bound rounding.
        for (std::size_t k0 = 0; k0 < count; k0 += 256) {
            double s = std::sin(w * (first + step * static_cast<double>(k0)));
            double co = std::cos(w * (first + step * static_cast<double>(k0)));
            const double ds = std::sin(w * step), dc = std::cos(w * step);
            for (std::size_t k = k0; k < std::min(count, k0 + 256); ++k) {
                z(static_cast<Eigen::Index>(k), c) = g * s;
                z(static_cast<Eigen::Index>(k), c + 1) = g * co;
                const double s2 = s * dc + co * ds;
                co = co * dc - s * ds;
                s = s2;
            }
        }
        c += 2;
    }
    return z;
}

// Modified Gram-Schmidt, twice for orthogonality to rounding: z = q r with q
// orthonormal columns and r upper triangular. A column that is (numerically) a
// combination of earlier ones gets a zero column in q and r(c, c) = 0.
void gram_schmidt(const Eigen::MatrixXd& z, Eigen::MatrixXd& q, Eigen::MatrixXd& r) {
    q = z;
    r = Eigen::MatrixXd::Zero(z.cols(), z.cols());
    for (Eigen::Index c = 0; c < z.cols(); ++c) {
        const double original = z.col(c).norm();
        for (int pass = 0; pass < 2; ++pass) {
            for (Eigen::Index k = 0; k < c; ++k) {
                const double proj = q.col(k).dot(q.col(c));
                q.col(c) -= proj * q.col(k);
                r(k, c) += proj;
            }
        }
        const double norm = q.col(c).norm();
        if (norm > 1e-10 * std::max(original, 1e-300)) {
            q.col(c) /= norm;
            r(c, c) = norm;
        } else {
            q.col(c).setZero();
        }
    }
}

}  // namespace

Eigen::MatrixXd nuisance_basis(std::size_t count, double first, double step, double fs, int degree, double mains_hz,
                               int harmonics, std::span<const std::complex<double>> poles) {
    Eigen::MatrixXd z = raw_basis(count, first, step, fs, degree, harmonic_freqs(mains_hz, harmonics, fs));
    // Filter modes: one column per real pole, two per conjugate pair.
    std::vector<std::complex<double>> modes;
    for (const auto& p : poles) {
        if (p.imag() < -1e-12) continue;
        modes.push_back(p);
    }
    if (!modes.empty()) {
        std::size_t extra = 0;
        for (const auto& p : modes) extra += std::abs(p.imag()) > 1e-12 ? 2 : 1;
        Eigen::MatrixXd wide(z.rows(), z.cols() + static_cast<Eigen::Index>(extra));
        wide.leftCols(z.cols()) = z;
        Eigen::Index c = z.cols();
        const auto width = static_cast<long>(std::max(1.0, step));
        const double start = first - 0.5 * static_cast<double>(width - 1);  // first sample of the first box
        for (const auto& p : modes) {
            const bool complex = std::abs(p.imag()) > 1e-12;
            // Box averages of p^(s - start) over each row's `width` samples,
            // in real arithmetic (std::complex's product checks each result
            // for NaN, C99 Annex G).
            const double pr = p.real(), pi = p.imag();
            double vr = 1.0, vi = 0.0;
            auto advance = [&] {
                const double next = vr * pr - vi * pi;
                vi = vr * pi + vi * pr;
                vr = next;
            };
            for (std::size_t k = 0; k < count; ++k) {
                double sr = 0.0, si = 0.0;
                for (long j = 0; j < width; ++j) {
                    sr += vr;
                    si += vi;
                    advance();
                }
                wide(static_cast<Eigen::Index>(k), c) = sr / static_cast<double>(width);
                if (complex) wide(static_cast<Eigen::Index>(k), c + 1) = si / static_cast<double>(width);
                // Rows may be further apart than their boxes are wide.
                for (long j = width; j < static_cast<long>(step); ++j) advance();
            }
            c += complex ? 2 : 1;
        }
        (void)start;
        z = std::move(wide);
    }
    Eigen::MatrixXd q, r;
    gram_schmidt(z, q, r);
    return q;
}

LockedMains locked_mains(std::span<const double> trace, double fs, std::size_t skip_begin, std::size_t skip_end,
                         int harmonics) {
    LockedMains out;
    const std::size_t n = trace.size();
    out.waveform.assign(n, 0.0);
    const auto q = static_cast<std::size_t>(std::max(1.0, std::floor(fs / 2500.0)));
    // Over less than three mains periods, a sinusoid and the slow components
    // (and a response) cannot be told apart: no estimate.
    if (harmonics < 1 || n / q < 32 || static_cast<double>(n) / fs < 3.0 / 50.0) return out;

    // Everything is fitted on the difference of two moving averages 1 ms
    // apart (a local band-pass, linear): it removes what changes slowly (the
    // high-pass tail of a large wave, wander) without a model of it, and keeps
    // the mains at a known gain, since the sinusoids pass through it too.
    const auto lag = static_cast<std::size_t>(std::max(1L, std::lround(fs / 1000.0)));
    const std::size_t half = lag / 2, width = 2 * half + 1, reach = lag + half;
    if (n <= 2 * reach + 64) return out;
    std::vector<double> prefix(n + 1);
    auto difference = [&](auto get) {
        prefix[0] = 0.0;
        for (std::size_t t = 0; t < n; ++t) prefix[t + 1] = prefix[t] + get(t);
        // Box-averaged over q samples, from sample `reach` on.
        const std::size_t boxes = (n - 2 * reach) / q;
        Eigen::VectorXd d(static_cast<Eigen::Index>(boxes));
        for (std::size_t k = 0; k < boxes; ++k) {
            double acc = 0.0;
            for (std::size_t j = 0; j < q; ++j) {
                const std::size_t t = reach + k * q + j, a = t + lag, b = t - lag;
                acc += (prefix[a + half + 1] - prefix[a - half]) - (prefix[b + half + 1] - prefix[b - half]);
            }
            d(static_cast<Eigen::Index>(k)) = acc / static_cast<double>(q * width);
        }
        return d;
    };
    const Eigen::VectorXd yall = difference([&](std::size_t t) { return trace[t]; });
    const auto boxes = static_cast<std::size_t>(yall.size());
    // Columns: constant and slope (what the difference leaves of a slow drift),
    // then the differenced sinusoids of 50 or 60 Hz and their odd harmonics.
    auto columns = [&](double mains_hz) {
        const auto freqs = harmonic_freqs(mains_hz, harmonics, fs);
        Eigen::MatrixXd z(static_cast<Eigen::Index>(boxes), 2 + 2 * static_cast<Eigen::Index>(freqs.size()));
        for (std::size_t k = 0; k < boxes; ++k) {
            z(static_cast<Eigen::Index>(k), 0) = 1.0;
            z(static_cast<Eigen::Index>(k), 1) = static_cast<double>(k) / static_cast<double>(boxes);
        }
        Eigen::Index c = 2;
        // The difference of moving averages and the boxes are linear and
        // shift-invariant: a sinusoid comes out as the same sinusoid times
        // their complex gain, evaluated at each box's first sample.
        for (double f : freqs) {
            const double w = 2.0 * std::numbers::pi * f / fs;
            std::complex<double> average = 0.0, box = 0.0;
            for (std::size_t m = 0; m < width; ++m) {
                average += std::polar(1.0, w * (static_cast<double>(m) - static_cast<double>(half)));
            }
            for (std::size_t j = 0; j < q; ++j) box += std::polar(1.0, w * static_cast<double>(j));
            const std::complex<double> gain = average / static_cast<double>(width) *
                                              (std::polar(1.0, w * static_cast<double>(lag)) -
                                               std::polar(1.0, -w * static_cast<double>(lag))) *
                                              box / static_cast<double>(q);
            // By rotation from box to box, restarted every 64 boxes to bound rounding.
            const std::complex<double> step = std::polar(1.0, w * static_cast<double>(q));
            std::complex<double> v;
            for (std::size_t k = 0; k < boxes; ++k) {
                if (k % 64 == 0) v = gain * std::polar(1.0, w * static_cast<double>(reach + k * q));
                z(static_cast<Eigen::Index>(k), c) = v.imag();      // sin
                z(static_cast<Eigen::Index>(k), c + 1) = v.real();  // cos
                v *= step;
            }
            c += 2;
        }
        return z;
    };
    // The columns, the boxes clear of the blanking and the normal equations
    // over those boxes depend on the trace's length, rate and blanking only:
    // made once per such layout and thread, and reused for every recording
    // of it (a batch of recordings, or a stream measured sweep after sweep).
    struct Plan {
        std::size_t n = 0, skip_begin = 0, skip_end = 0;
        double fs = 0.0;
        int harmonics = -1;
        std::vector<std::size_t> rows;
        Eigen::MatrixXd z[3];   // constant and slope; with 50 Hz; with 60 Hz
        Eigen::MatrixXd g0[3];  // z^T z over the rows
    };
    thread_local Plan plan;
    if (plan.n != n || plan.fs != fs || plan.skip_begin != skip_begin || plan.skip_end != skip_end ||
        plan.harmonics != harmonics) {
        plan = Plan{};
        for (std::size_t k = 0; k < boxes; ++k) {
            // The box's samples reach `reach` either side: keep it clear of the blanking.
            const std::size_t a = k * q, b = k * q + q + 2 * reach;
            if (b <= skip_begin || a >= skip_end) plan.rows.push_back(k);
        }
        const double hz[3] = {0.0, 50.0, 60.0};
        Eigen::VectorXd w = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(boxes));
        for (std::size_t k : plan.rows) w(static_cast<Eigen::Index>(k)) = 1.0;
        for (int m = 0; m < 3; ++m) {
            plan.z[m] = columns(hz[m]);
            const Eigen::MatrixXd zw = plan.z[m].array().colwise() * w.array();
            plan.g0[m].noalias() = zw.transpose() * plan.z[m];
        }
        plan.n = n;
        plan.fs = fs;
        plan.skip_begin = skip_begin;
        plan.skip_end = skip_end;
        plan.harmonics = harmonics;
    }
    const std::vector<std::size_t>& rows = plan.rows;
    const Eigen::MatrixXd& base_all = plan.z[0];
    const Eigen::MatrixXd& f50 = plan.z[1];
    const Eigen::MatrixXd& f60 = plan.z[2];
    constexpr int kBase = 2;

    // Normal equations of the three models, kept up to date as boxes leave
    // (each pass only drops boxes): a pass costs small solves, not a refit.
    struct Model {
        const Eigen::MatrixXd* z;
        double hz;
        Eigen::MatrixXd g;
        Eigen::VectorXd b;
    };
    std::vector<Model> models;
    for (const auto& [z, hz] : {std::pair<const Eigen::MatrixXd*, double>{&base_all, 0.0}, {&f50, 50.0}, {&f60, 60.0}}) {
        models.push_back({z, hz, Eigen::MatrixXd(), Eigen::VectorXd::Zero(z->cols())});
    }
    double yy = 0.0;
    // Takes boxes out of the three models' normal equations: their rows
    // gathered once, then one small product per model.
    auto drop = [&](const std::vector<std::size_t>& boxes_out) {
        Eigen::VectorXd y(static_cast<Eigen::Index>(boxes_out.size()));
        for (std::size_t k = 0; k < boxes_out.size(); ++k) y(static_cast<Eigen::Index>(k)) = yall(static_cast<Eigen::Index>(boxes_out[k]));
        yy -= y.squaredNorm();
        for (auto& m : models) {
            Eigen::MatrixXd zd(static_cast<Eigen::Index>(boxes_out.size()), m.z->cols());
            for (std::size_t k = 0; k < boxes_out.size(); ++k) zd.row(static_cast<Eigen::Index>(k)) = m.z->row(static_cast<Eigen::Index>(boxes_out[k]));
            m.g.noalias() -= zd.transpose() * zd;
            m.b.noalias() -= zd.transpose() * y;
        }
    };
    auto solve = [](const Model& m, double yy_now, double* rss) {
        const Eigen::LDLT<Eigen::MatrixXd> ldlt(m.g);
        Eigen::VectorXd coef = ldlt.solve(m.b);
        if (ldlt.info() != Eigen::Success || !coef.allFinite()) coef = Eigen::VectorXd::Zero(m.g.cols());
        *rss = std::max(0.0, yy_now - m.b.dot(coef));
        return coef;
    };

    double best_rss = 0.0, base_rss = 0.0;
    double best_hz = 0.0;
    Eigen::VectorXd best_coef;
    std::vector<std::size_t> kept = rows;
    {
        // All boxes at once, vectorized; those dropped later, pass by pass.
        Eigen::VectorXd w = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(boxes));
        for (std::size_t k : kept) w(static_cast<Eigen::Index>(k)) = 1.0;
        const Eigen::VectorXd wy = w.cwiseProduct(yall);
        yy = wy.dot(yall);
        for (std::size_t mi = 0; mi < models.size(); ++mi) {
            models[mi].g = plan.g0[mi];
            models[mi].b.noalias() = models[mi].z->transpose() * wy;
        }
    }
    // Responses first out, by the trace's own spread: where they are large
    // beside the hum (a 2.6 mV M-wave over 15 uV of mains), a first fit over
    // every box is theirs, its residuals on the quiet boxes are as large as on
    // theirs, and the cut below would keep them all (and pick 60 Hz for a
    // 50 Hz hum).
    {
        std::vector<double> mag(kept.size());
        for (std::size_t k = 0; k < kept.size(); ++k) mag[k] = yall(static_cast<Eigen::Index>(kept[k]));
        std::vector<double> sorted = mag;
        const auto mid = sorted.begin() + static_cast<std::ptrdiff_t>(sorted.size() / 2);
        std::nth_element(sorted.begin(), mid, sorted.end());
        const double centre = *mid;
        for (double& v : sorted) v = std::abs(v - centre);
        std::nth_element(sorted.begin(), mid, sorted.end());
        const double limit = 3.5 * 1.4826 * *mid;
        std::vector<std::size_t> next, dropped;
        for (std::size_t k = 0; k < kept.size(); ++k) {
            (std::abs(mag[k] - centre) <= limit ? next : dropped).push_back(kept[k]);
        }
        if (!dropped.empty() && next.size() >= 32) {
            drop(dropped);
            kept = std::move(next);
        }
    }
    // Up to 20 passes: the cut at 3.5 robust SDs takes large waves out a few
    // boxes per pass while they still inflate the spread (6 passes left the
    // fit of a simulated H-reflex recording with a 1 mV M- and H-wave on the
    // waves' flanks, and its "mains" worse than none).
    for (int pass = 0; pass < 20; ++pass) {
        const Eigen::VectorXd base_coef = solve(models[0], yy, &base_rss);
        best_rss = base_rss;
        best_hz = 0.0;
        const Model* best_model = &models[0];
        Eigen::VectorXd coef_used = base_coef;
        for (std::size_t mi = 1; mi < models.size(); ++mi) {
            double rss = 0.0;
            const Eigen::VectorXd coef = solve(models[mi], yy, &rss);
            if (rss < best_rss) {
                best_rss = rss;
                best_hz = models[mi].hz;
                best_coef = coef;
                best_model = &models[mi];
                coef_used = coef;
            }
        }
        // Robust: drop boxes far from the fit (responses) and refit.
        // The fit at every box at once (one vectorised product, where a dot
        // product per kept row would read the column-major matrix across).
        const Eigen::VectorXd fitted = *best_model->z * coef_used;
        std::vector<double> mag(kept.size());
        for (std::size_t k = 0; k < kept.size(); ++k) {
            const auto i = static_cast<Eigen::Index>(kept[k]);
            mag[k] = std::abs(yall(i) - fitted(i));
        }
        std::vector<double> sorted = mag;
        std::nth_element(sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(sorted.size() / 2), sorted.end());
        const double limit = 3.5 * 1.4826 * sorted[sorted.size() / 2];
        std::vector<std::size_t> next, dropped;
        for (std::size_t k = 0; k < kept.size(); ++k) {
            (mag[k] <= limit ? next : dropped).push_back(kept[k]);
        }
        if (next.size() == kept.size() || next.size() < 32) break;
        drop(dropped);
        kept = std::move(next);
    }
    if (best_hz == 0.0) return out;
    const int cols = static_cast<int>(best_coef.size()) - kBase;
    const double dof = static_cast<double>(kept.size()) - kBase - cols;
    if (cols <= 0 || dof < 1.0 || !(best_rss > 0.0)) return out;
    const double f = ((base_rss - best_rss) / cols) / (best_rss / dof);
    if (!(f > 4.0)) return out;
    out.mains_hz = best_hz;
    // The sinusoids at the full rate (the box gain was part of the fitted columns).
    const auto freqs = harmonic_freqs(best_hz, harmonics, fs);
    for (std::size_t h = 0; h < freqs.size(); ++h) {
        // c_s sin(w t) + c_c cos(w t) = Im((c_s + i c_c) e^{i w t}), by rotation
        // restarted every 256 samples to bound rounding.
        const double w = 2.0 * std::numbers::pi * freqs[h] / fs;
        const std::complex<double> coef(best_coef(kBase + 2 * static_cast<Eigen::Index>(h)),
                                        best_coef(kBase + 2 * static_cast<Eigen::Index>(h) + 1));
        // In real arithmetic (std::complex's product checks every result for
        // NaN, C99 Annex G) and in 8 interleaved rotations by 8 w (one
        // rotation's chain of dependent products would set the pace).
        constexpr std::size_t kLanes = 8;
        const double step_re = std::cos(w * kLanes), step_im = std::sin(w * kLanes);
        for (std::size_t t0 = 0; t0 < trace.size(); t0 += 256) {
            const std::size_t t1 = std::min(trace.size(), t0 + 256);
            double re[kLanes], im[kLanes];
            for (std::size_t l = 0; l < kLanes; ++l) {
                const std::complex<double> v = coef * std::polar(1.0, w * static_cast<double>(t0 + l));
                re[l] = v.real();
                im[l] = v.imag();
            }
            for (std::size_t t = t0; t < t1; t += kLanes) {
                for (std::size_t l = 0; l < kLanes && t + l < t1; ++l) out.waveform[t + l] += im[l];
                for (std::size_t l = 0; l < kLanes; ++l) {
                    const double next = re[l] * step_re - im[l] * step_im;
                    im[l] = re[l] * step_im + im[l] * step_re;
                    re[l] = next;
                }
            }
        }
    }
    return out;
}

}  // namespace edx::evoked::detail
