#include "edx/emg/discharge_trains.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace edx::emg {

void TrainSearch::validate() const {
    auto fail = [](const std::string& what) { throw std::invalid_argument("TrainSearch: " + what); };
    if (!(min_period_s > 0.0) || !(max_period_s > min_period_s)) fail("need 0 < min_period_s < max_period_s");
    if (!(tolerance > 0.0 && tolerance < 0.5)) fail("tolerance must be in (0, 0.5)");
    if (max_missed < 0) fail("max_missed must be >= 0");
    if (min_discharges < 3) fail("min_discharges must be >= 3");
    if (!(regular_max_cv2 > 0.0)) fail("regular_max_cv2 must be > 0");
}

double interval_cv2(std::span<const double> t, std::span<const int> steps) {
    if (t.size() < 3) return 0.0;
    double sum = 0.0;
    int n = 0;
    for (std::size_t k = 0; k + 2 < t.size(); ++k) {
        const double s1 = k < steps.size() ? steps[k] : 1;
        const double s2 = k + 1 < steps.size() ? steps[k + 1] : 1;
        const double i1 = (t[k + 1] - t[k]) / s1;
        const double i2 = (t[k + 2] - t[k + 1]) / s2;
        if (i1 + i2 <= 0.0) continue;
        sum += 2.0 * std::abs(i2 - i1) / (i1 + i2);
        ++n;
    }
    return n ? sum / n : 0.0;
}

double median_rate_hz(std::span<const double> t) {
    if (t.size() < 2) return 0.0;
    std::vector<double> isi;
    for (std::size_t k = 1; k < t.size(); ++k) isi.push_back(t[k] - t[k - 1]);
    auto mid = isi.begin() + static_cast<std::ptrdiff_t>(isi.size() / 2);
    std::nth_element(isi.begin(), mid, isi.end());
    double m = *mid;
    if (isi.size() % 2 == 0) m = 0.5 * (m + *std::max_element(isi.begin(), mid));
    return m > 0.0 ? 1.0 / m : 0.0;
}

namespace {

constexpr int max_lattice_divisor = 6;

// Steps and period from the intervals themselves: a chain grown from a pair
// two periods apart (with a discharge of another train between them) would
// otherwise carry half the true period.
void finish(std::span<const double> t, Chain& c) {
    std::vector<double> raw;
    for (std::size_t k = 1; k < c.members.size(); ++k) raw.push_back(t[c.members[k]] - t[c.members[k - 1]]);
    if (raw.empty()) return;
    std::vector<double> sorted = raw;
    std::sort(sorted.begin(), sorted.end());
    double p = sorted[sorted.size() / 4];
    for (int pass = 0; pass < 2; ++pass) {
        std::vector<double> norm;
        c.steps.assign(raw.size(), 1);
        for (std::size_t k = 0; k < raw.size(); ++k) {
            c.steps[k] = std::max(1, static_cast<int>(std::lround(raw[k] / p)));
            norm.push_back(raw[k] / c.steps[k]);
        }
        std::nth_element(norm.begin(), norm.begin() + static_cast<std::ptrdiff_t>(norm.size() / 2), norm.end());
        p = norm[norm.size() / 2];
    }
    c.period_s = p;
    std::vector<double> times;
    for (auto m : c.members) times.push_back(t[m]);
    c.cv2 = interval_cv2(times, c.steps);
}

}  // namespace

bool same_lattice(std::span<const double> a, double pa, std::span<const double> b, double pb, double tolerance,
                  double min_period_s) {
    if (a.empty() || b.empty() || !(pa > 0.0) || !(pb > 0.0)) return false;
    std::vector<double> u;
    std::merge(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(u));
    const double p = std::min(pa, pb), q = std::max(pa, pb);
    // Sparsely detected parts of one train can each run at their own multiple
    // of its period (3 and 4 periods, say): try the common divisors.
    for (int j = 1; j <= max_lattice_divisor; ++j) {
        const double base = p / j;
        if (base < min_period_s) break;
        const double k = std::round(q / base);
        if (k < 1.0 || std::abs(q - k * base) > tolerance * base * std::sqrt(k)) continue;
        // The period is followed along the union, so a train that slows stays one train.
        double per = base;
        bool fits = true;
        for (std::size_t i = 1; i < u.size() && fits; ++i) {
            const double interval = u[i] - u[i - 1];
            const double steps = std::round(interval / per);
            fits = steps >= 1.0 && std::abs(interval - steps * per) <= 0.0005 + tolerance * per * std::sqrt(steps);
            if (fits) per = 0.7 * per + 0.3 * interval / steps;
        }
        if (fits) return true;
    }
    return false;
}

Chain describe_chain(std::span<const double> times_s) {
    Chain c;
    for (std::size_t i = 0; i < times_s.size(); ++i) c.members.push_back(i);
    finish(times_s, c);
    return c;
}

namespace {

class ChainBuilder {
public:
    ChainBuilder(std::span<const double> t, const std::vector<bool>& used, const TrainSearch& s, const Compatible& compatible)
        : t_(t), used_(used), s_(s), compatible_(compatible) {
        span_ = t.size() > 1 ? t.back() - t.front() : 0.0;
        chance_limit_ = span_ > 0.0 ? 0.125 * span_ / static_cast<double>(t.size()) : 1e9;
        seed_limit_.assign(t.size(), -1.0);
    }

    Chain grow(std::size_t a, std::size_t b) const {
        const double p = t_[b] - t_[a];
        limit_ = seed_limit(a);
        std::vector<std::size_t> fwd{b};
        std::vector<int> fwd_steps;
        follow(b, p, +1, fwd, fwd_steps);
        std::vector<std::size_t> back{a};
        std::vector<int> back_steps;
        follow(a, p, -1, back, back_steps);
        Chain c;
        for (auto it = back.rbegin(); it != back.rend(); ++it) c.members.push_back(*it);
        for (auto it = back_steps.rbegin(); it != back_steps.rend(); ++it) c.steps.push_back(*it);
        c.steps.push_back(1);
        for (auto i : fwd) c.members.push_back(i);
        for (auto k : fwd_steps) c.steps.push_back(k);
        finish(t_, c);
        return c;
    }

private:
    // The unused discharge compatible with `last` nearest to `at` within `tol`, or npos.
    std::size_t nearest(double at, double tol, std::size_t last) const {
        auto it = std::lower_bound(t_.begin(), t_.end(), at - tol);
        std::size_t best = npos;
        double best_d = tol;
        for (; it != t_.end() && *it <= at + tol; ++it) {
            const auto i = static_cast<std::size_t>(it - t_.begin());
            const double d = std::abs(*it - at);
            if (!used_[i] && d <= best_d && i != last && (!compatible_ || compatible_(last, i))) {
                best = i;
                best_d = d;
            }
        }
        return best;
    }

    // Once a chain has shown its own jitter, it is followed within 4 of its
    // SDs (at least 3% of the period) rather than the general tolerance, so it
    // does not wander onto a neighbouring train of the same waveform.
    void follow(std::size_t from, double period, int direction, std::vector<std::size_t>& out,
                std::vector<int>& steps) const {
        double last = t_[from];
        double per = period;
        int missed = 0;
        std::vector<double> norm{period};
        for (;;) {
            const int k = missed + 1;
            const double expected = last + direction * k * per;
            double spread = s_.tolerance * per;
            if (norm.size() >= 3) {
                double ss = 0.0;
                for (double x : norm) ss += (x - per) * (x - per);
                spread = std::min(spread, std::max(4.0 * std::sqrt(ss / static_cast<double>(norm.size() - 1)), 0.03 * per));
            }
            // Never so wide that another discharge of the same waveform would
            // fall in it by chance more than a quarter of the time.
            const double tol = std::min(0.0005 + spread * std::sqrt(static_cast<double>(k)), std::max(0.0005, limit_));
            if (expected < t_.front() - tol || expected > t_.back() + tol) break;
            const std::size_t c = nearest(expected, tol, out.back());
            if (c != npos) {
                const double interval = std::abs(t_[c] - last) / k;
                norm.push_back(interval);
                per = 0.7 * per + 0.3 * interval;
                last = t_[c];
                out.push_back(c);
                steps.push_back(k);
                missed = 0;
                if (per < s_.min_period_s || per > s_.max_period_s) break;
            } else if (++missed > s_.max_missed) {
                break;
            }
        }
    }

    static constexpr std::size_t npos = static_cast<std::size_t>(-1);
    std::span<const double> t_;
    const std::vector<bool>& used_;
    const TrainSearch& s_;
    const Compatible& compatible_;
    double chance_limit_ = 1e9;  // half-width at which a window of 2 x it holds 1/4 discharge on average
    double span_ = 0.0;
    mutable std::vector<double> seed_limit_;  // per seed, the chance limit among the discharges compatible with it
    mutable double limit_ = 1e9;              // that of the chain being grown

    // Chance counts the discharges (used or not) that could join a chain
    // grown from seed a: with a waveform test, those compatible with it, so
    // that a slow train is not held to the density of a faster train of a
    // clearly different waveform sorted into the same cluster.
    double seed_limit(std::size_t a) const {
        if (!compatible_ || !(span_ > 0.0)) return chance_limit_;
        if (seed_limit_[a] < 0.0) {
            std::size_t n = 1;
            for (std::size_t i = 0; i < t_.size(); ++i) n += (i != a && compatible_(a, i)) ? 1 : 0;
            seed_limit_[a] = 0.125 * span_ / static_cast<double>(n);
        }
        return seed_limit_[a];
    }
};

// A chain found at a multiple of its train's period (the train was detected
// too sparsely to follow period by period) is refined: where the finer lattice
// between its members holds unused discharges well beyond chance, they join
// it and the period divides.
bool refine(std::span<const double> t, const std::vector<bool>& used, Chain& c, const TrainSearch& s,
            const Compatible& compatible) {
    if (c.members.size() < 2) return false;
    std::vector<bool> in(t.size(), false);
    for (auto m : c.members) in[m] = true;
    std::size_t free_count = 0;
    for (std::size_t i = 0; i < t.size(); ++i) free_count += (!used[i] && !in[i]) ? 1 : 0;
    const double span = t.back() - t.front();
    if (free_count == 0 || !(span > 0.0)) return false;
    const double density = static_cast<double>(free_count) / span;
    for (int k = 2; k <= 10; ++k) {
        const double base = c.period_s / k;
        if (base < s.min_period_s) break;
        const double w = 0.0005 + 0.05 * base;
        std::vector<std::size_t> hits;
        std::size_t positions = 0;
        for (std::size_t i = 0; i + 1 < c.members.size(); ++i) {
            const double a = t[c.members[i]], b = t[c.members[i + 1]];
            const int n = c.steps[i] * k;
            for (int j = 1; j < n; ++j) {
                if (j % k == 0) continue;
                ++positions;
                const double at = a + j * (b - a) / n;
                auto it = std::lower_bound(t.begin(), t.end(), at - w);
                for (; it != t.end() && *it <= at + w; ++it) {
                    const auto idx = static_cast<std::size_t>(it - t.begin());
                    if (!used[idx] && !in[idx] && (!compatible || compatible(c.members[i], idx))) {
                        hits.push_back(idx);
                        break;
                    }
                }
            }
        }
        const double chance = static_cast<double>(positions) * 2.0 * w * density;
        if (hits.size() >= 3 && static_cast<double>(hits.size()) >= 0.3 * static_cast<double>(positions) &&
            static_cast<double>(hits.size()) >= 3.0 * chance) {
            c.members.insert(c.members.end(), hits.begin(), hits.end());
            std::sort(c.members.begin(), c.members.end());
            c.members.erase(std::unique(c.members.begin(), c.members.end()), c.members.end());
            finish(t, c);
            return true;
        }
    }
    return false;
}

bool better(const Chain& a, const Chain& b, const TrainSearch& s) {
    // Four discharges line up regularly by chance often enough among irregular
    // ones: the preference needs one more than the shortest train.
    auto regular = [&](const Chain& c) { return static_cast<int>(c.members.size()) > s.min_discharges && c.cv2 <= s.regular_max_cv2; };
    const bool ra = regular(a), rb = regular(b);
    if (ra != rb) return ra;
    if (a.members.size() != b.members.size()) return a.members.size() > b.members.size();
    return a.cv2 < b.cv2;
}

}  // namespace

std::vector<Chain> find_chains(std::span<const double> t, const TrainSearch& search, const Compatible& compatible) {
    search.validate();
    for (std::size_t i = 1; i < t.size(); ++i) {
        if (!(t[i] > t[i - 1])) throw std::invalid_argument("find_chains: times must be strictly increasing");
    }
    constexpr int max_partners = 12;
    std::vector<Chain> chains;
    std::vector<bool> used(t.size(), false);
    for (;;) {
        const ChainBuilder builder(t, used, search, compatible);
        Chain best;
        // Seeds inside a chain already found this round would only find it again.
        std::vector<bool> covered(t.size(), false);
        for (std::size_t a = 0; a < t.size(); ++a) {
            if (used[a] || covered[a]) continue;
            int partners = 0;
            for (std::size_t b = a + 1; b < t.size(); ++b) {
                if (used[b]) continue;
                const double p = t[b] - t[a];
                if (p < search.min_period_s) continue;
                if (p > search.max_period_s) break;
                // Partners are counted among compatible discharges only: a
                // slow train's next discharge may lie behind many of a faster
                // train of another waveform in the same cluster.
                if (compatible && !compatible(a, b)) continue;
                if (++partners > max_partners) break;
                Chain c = builder.grow(a, b);
                if (static_cast<int>(c.members.size()) >= search.min_discharges) {
                    for (auto m : c.members) covered[m] = true;
                }
                if (better(c, best, search)) best = std::move(c);
            }
        }
        if (static_cast<int>(best.members.size()) < search.min_discharges) break;
        while (refine(t, used, best, search, compatible)) {
        }
        for (auto m : best.members) used[m] = true;
        chains.push_back(std::move(best));
    }
    for (bool merged = true; merged;) {
        merged = false;
        for (std::size_t i = 0; i < chains.size() && !merged; ++i) {
            for (std::size_t j = i + 1; j < chains.size() && !merged; ++j) {
                std::vector<double> ta, tb;
                for (auto m : chains[i].members) ta.push_back(t[m]);
                for (auto m : chains[j].members) tb.push_back(t[m]);
                if (same_lattice(ta, chains[i].period_s, tb, chains[j].period_s, search.tolerance, search.min_period_s)) {
                    Chain u;
                    std::merge(chains[i].members.begin(), chains[i].members.end(), chains[j].members.begin(),
                               chains[j].members.end(), std::back_inserter(u.members));
                    finish(t, u);
                    // Two regular chains that fit a common lattice only by
                    // chance make an irregular union: they stay apart.
                    if (u.cv2 > search.regular_max_cv2 && chains[i].cv2 <= search.regular_max_cv2 &&
                        chains[j].cv2 <= search.regular_max_cv2) {
                        continue;
                    }
                    chains[i] = std::move(u);
                    chains.erase(chains.begin() + static_cast<std::ptrdiff_t>(j));
                    merged = true;
                }
            }
        }
    }
    std::sort(chains.begin(), chains.end(), [&](const Chain& a, const Chain& b) { return better(a, b, search); });
    return chains;
}

}  // namespace edx::emg
