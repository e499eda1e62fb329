#include "edx/evoked/evoked_pipeline.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <optional>
#include <utility>
#include <stdexcept>

#include "batch_zero_phase.hpp"
#include "eigen.hpp"
#include "edx/dsp/artefact.hpp"
#include "edx/evoked/onset.hpp"
#include "edx/signals/table.hpp"

namespace edx::evoked {

namespace {

constexpr std::string_view kTable = "norms/evoked_measurement.json";

double table_value(const char* pointer) { return signals::constant(kTable, pointer); }

std::string blank_key(RecordingKind kind) {
    switch (kind) {
        case RecordingKind::h_reflex:
            return "/artefact/blank_end_ms_h_reflex";
        case RecordingKind::f_wave:
        case RecordingKind::motor_ncs:
            return "/artefact/blank_end_ms_motor";
        case RecordingKind::sensory_ncs:
            return "/artefact/blank_end_ms_sensory";
        default:
            break;
    }
    throw std::invalid_argument("evoked pipeline: recording kind '" + std::string(to_string(kind)) +
                                "' is not an evoked response");
}

double median_of(std::vector<double> v) {
    if (v.empty()) return 0.0;
    const auto mid = v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2);
    std::nth_element(v.begin(), mid, v.end());
    if (v.size() % 2) return *mid;
    const double upper = *mid;
    return 0.5 * (upper + *std::max_element(v.begin(), mid));
}

// The high-pass runs causally, as in the amplifier: nothing is moved before
// it happens (run zero-phase, it would spread a large M-wave or CMAP backwards
// into the baseline the onset is measured from, and it barely touches a
// take-off, which is fast). The low-pass and any notch run zero-phase: no delay.
struct SplitFilter {
    dsp::FilterSettings high, rest;
};

SplitFilter split_filter(const dsp::FilterSettings& filter) {
    SplitFilter s;
    s.rest = filter;
    s.rest.zero_phase = true;
    if (s.rest.bandpass_hz) {
        s.rest.highpass_hz = s.rest.bandpass_hz->first;
        s.rest.lowpass_hz = s.rest.bandpass_hz->second;
        s.rest.bandpass_hz.reset();
    }
    s.high.order = s.rest.order;
    s.high.highpass_hz = s.rest.highpass_hz;
    s.high.zero_phase = false;
    s.rest.highpass_hz.reset();
    return s;
}

// Baseline from the whole pre-stimulus window, blanking with cubic
// interpolation; the tail is fitted later, on the filtered sweeps.
dsp::ArtefactConfig blanking_config(const PipelineConfig& config, std::size_t stimulus_index, double fs) {
    dsp::ArtefactConfig ac;
    ac.sample_rate_hz = fs;
    ac.correct_baseline = true;
    ac.baseline_start_ms = -static_cast<double>(stimulus_index) * 1000.0 / fs;
    ac.baseline_end_ms = config.blank_start_ms;
    ac.blank_start_ms = config.blank_start_ms;
    ac.blank_end_ms = config.blank_end_ms;
    ac.interpolation = dsp::Interpolation::cubic;
    ac.fit_tail = false;
    return ac;
}

}  // namespace

namespace {

// The defaults of an evoked kind before the sample rate is known.
PipelineConfig kind_defaults(RecordingKind kind) {
    PipelineConfig c;
    const auto defaults = dsp::default_filter_settings(to_string(kind));
    if (!defaults || kind == RecordingKind::needle_emg || kind == RecordingKind::surface_emg) {
        throw std::invalid_argument("evoked pipeline: no evoked filter defaults for kind '" +
                                    std::string(to_string(kind)) + "'");
    }
    c.filter = defaults->settings;
    c.filter.zero_phase = true;
    c.blank_start_ms = table_value("/artefact/blank_start_ms");
    c.blank_end_ms = signals::constant(kTable, blank_key(kind));
    c.clip = ClipCriterion::from_signals();
    c.clip.pulse_start_ms = c.blank_start_ms;
    c.clip.pulse_end_ms = c.blank_end_ms;
    c.overload_residual_to_noise = table_value("/exclusion/overload_residual_to_noise");
    c.tail_fit_min_ms = table_value("/artefact/tail_fit_min_ms");
    c.tail_fit_margin_ms = table_value("/artefact/tail_fit_margin_ms");
    c.tail_search_ms = table_value("/artefact/tail_search_ms");
    c.tail_model_tolerance = table_value("/artefact/tail_model_tolerance");
    c.overload_window_ms = table_value("/exclusion/overload_window_ms");
    return c;
}

}  // namespace

PipelineConfig PipelineConfig::defaults_for(RecordingKind kind, double sample_rate_hz) {
    // The tables are compiled in: each evoked kind's defaults are read once.
    static const auto evoked_kinds = [] {
        std::vector<std::pair<RecordingKind, PipelineConfig>> out;
        for (RecordingKind k : {RecordingKind::h_reflex, RecordingKind::f_wave, RecordingKind::motor_ncs,
                                RecordingKind::sensory_ncs}) {
            out.emplace_back(k, kind_defaults(k));
        }
        return out;
    }();
    PipelineConfig c;
    const auto it = std::find_if(evoked_kinds.begin(), evoked_kinds.end(), [&](const auto& e) { return e.first == kind; });
    c = it != evoked_kinds.end() ? it->second : kind_defaults(kind);  // the latter throws, naming the kind
    if (c.filter.lowpass_hz && *c.filter.lowpass_hz >= 0.95 * sample_rate_hz / 2.0) c.filter.lowpass_hz.reset();
    if (c.filter.highpass_hz && *c.filter.highpass_hz >= 0.95 * sample_rate_hz / 2.0) c.filter.highpass_hz.reset();
    return c;
}

void PipelineConfig::validate() const {
    clip.validate();
    if (!(std::isfinite(blank_start_ms) && std::isfinite(blank_end_ms) && blank_start_ms < 0.0 &&
          blank_end_ms > 0.0)) {
        throw std::invalid_argument("PipelineConfig.blank_start_ms must be < 0 and blank_end_ms > 0");
    }
    if (!(overload_residual_to_noise > 0.0)) {
        throw std::invalid_argument("PipelineConfig.overload_residual_to_noise must be > 0");
    }
    if (!(tail_fit_min_ms > 0.0 && tail_fit_margin_ms >= 0.0 && tail_search_ms > tail_fit_min_ms)) {
        throw std::invalid_argument(
            "PipelineConfig.tail_fit_min_ms must be > 0, tail_fit_margin_ms >= 0 and tail_search_ms > tail_fit_min_ms");
    }
    if (!(tail_model_tolerance >= 0.0)) throw std::invalid_argument("PipelineConfig.tail_model_tolerance must be >= 0");
    if (!(pre_trigger_ms > 0.0 && post_trigger_ms > 0.0)) {
        throw std::invalid_argument("PipelineConfig.pre_trigger_ms and post_trigger_ms must be > 0");
    }
}

double PreparedSweeps::median_noise_sd() const { return median_of(noise_sd); }

std::vector<double> PreparedSweeps::mean_of(std::span<const std::size_t> which) const {
    const std::size_t n = which.empty() ? rows() : which.size();
    std::vector<double> mean(frames, 0.0);
    if (n == 0) return mean;
    // Blocks of 16 rows summed in float (vectorised), the blocks' sums in double.
    constexpr std::size_t kBlock = 16;
    std::vector<float> block(frames);
    for (std::size_t b = 0; b < n; b += kBlock) {
        std::fill(block.begin(), block.end(), 0.0f);
        for (std::size_t i = b; i < std::min(n, b + kBlock); ++i) {
            const float* x = samples.data() + (which.empty() ? i : which[i]) * frames;
            for (std::size_t t = 0; t < frames; ++t) block[t] += x[t];
        }
        for (std::size_t t = 0; t < frames; ++t) mean[t] += block[t];
    }
    for (double& v : mean) v /= static_cast<double>(n);
    return mean;
}

double PreparedSweeps::mean_noise_sd() const {
    const std::size_t n = rows();
    if (n < 2) return n == 1 ? noise_sd.front() : 0.0;
    if (blank_end_index >= frames) return 0.0;
    // On every 4th sample after the blanking: a median of a few hundred
    // variances is as good as one of all of them.
    const std::size_t stride = std::max<std::size_t>(1, std::min<std::size_t>(4, (frames - blank_end_index) / 200));
    std::vector<double> mean, var;
    for (std::size_t t = blank_end_index; t < frames; t += stride) {
        double m = 0.0;
        for (std::size_t r = 0; r < n; ++r) m += samples[r * frames + t];
        m /= static_cast<double>(n);
        double v = 0.0;
        for (std::size_t r = 0; r < n; ++r) {
            const double d = samples[r * frames + t] - m;
            v += d * d;
        }
        var.push_back(v / (static_cast<double>(n - 1) * static_cast<double>(n)));
    }
    return std::sqrt(median_of(std::move(var)));
}

void PreparedSweeps::exclude_row(std::size_t r, ExclusionReason reason, std::string detail) {
    const std::size_t sweep = source[r];
    screen[sweep].reason = reason;
    screen[sweep].detail = std::move(detail);
    excluded.add(reason);
    samples.erase(samples.begin() + static_cast<std::ptrdiff_t>(r * frames),
                  samples.begin() + static_cast<std::ptrdiff_t>((r + 1) * frames));
    source.erase(source.begin() + static_cast<std::ptrdiff_t>(r));
    noise_sd.erase(noise_sd.begin() + static_cast<std::ptrdiff_t>(r));
}

PreparedSweeps prepare_sweeps(const Recording& rec, const PipelineConfig& config) {
    PreparedSweeps out;
    prepare_sweeps(rec, config, out);
    return out;
}

void prepare_sweeps(const Recording& rec, const PipelineConfig& config, PreparedSweeps& out) {
    config.validate();
    const double fs = rec.info.sample_rate_hz;
    const std::string where = "recording '" + rec.info.name + "'";
    if (!(fs > 0.0)) throw std::invalid_argument(where + ": sample rate must be positive");

    {
        // Start afresh, keeping the samples' memory.
        std::vector<float> keep = std::move(out.samples);
        out = PreparedSweeps{};
        keep.clear();
        out.samples = std::move(keep);
    }
    out.sample_rate_hz = fs;
    // Sweeps as spans of the recording, or cut around the stimuli.
    std::vector<std::vector<float>> cut;
    std::vector<std::span<const float>> raw;
    if (rec.form == SampleForm::sweeps) {
        if (rec.sweep_count == 0) throw std::invalid_argument(where + " has no sweeps");
        out.frames = rec.frames;
        out.stimulus_index = static_cast<std::size_t>(std::lround(rec.pre_trigger_s * fs));
        for (std::size_t s = 0; s < rec.sweep_count; ++s) raw.push_back(rec.sweep(s));
    } else {
        if (rec.stimuli.empty()) throw std::invalid_argument(where + " is continuous and has no stimuli to cut sweeps at");
        const auto pre = static_cast<std::size_t>(std::lround(config.pre_trigger_ms * fs / 1000.0));
        const auto post = static_cast<std::size_t>(std::lround(config.post_trigger_ms * fs / 1000.0));
        out.frames = pre + post;
        out.stimulus_index = pre;
        cut.reserve(rec.stimuli.size());
        for (const auto& stim : rec.stimuli) {
            const long centre = std::lround(stim.time_s * fs);
            std::vector<float> sweep(out.frames, std::numeric_limits<float>::quiet_NaN());
            for (std::size_t i = 0; i < out.frames; ++i) {
                const long f = centre - static_cast<long>(pre) + static_cast<long>(i);
                if (f >= 0 && static_cast<std::size_t>(f) < rec.frames) {
                    sweep[i] = rec.samples[static_cast<std::size_t>(f) * rec.channels];
                }
            }
            cut.push_back(std::move(sweep));
        }
        for (const auto& c : cut) raw.emplace_back(c);
    }
    out.sweeps_total = raw.size();

    const double ms_per_sample = 1000.0 / fs;
    const long blank_begin = std::lround(config.blank_start_ms / ms_per_sample);
    const long blank_end = std::lround(config.blank_end_ms / ms_per_sample);
    const long noise_end = static_cast<long>(out.stimulus_index) + blank_begin;
    // The baseline needs a stretch of its own before the blanking, the cubic
    // interpolation two samples on each side of it.
    if (noise_end < 8 || static_cast<double>(noise_end) * ms_per_sample < 1.0) {
        throw std::invalid_argument(where + ": the pre-stimulus window (" +
                                    std::to_string(static_cast<double>(out.stimulus_index) * ms_per_sample) +
                                    " ms) is too short for a baseline before the stimulus artefact (at least 1 ms "
                                    "and 8 samples are needed)");
    }
    if (static_cast<long>(out.stimulus_index) + blank_end + 3 >= static_cast<long>(out.frames)) {
        throw std::invalid_argument(where + ": sweeps end before the stimulus artefact does");
    }
    out.noise_end_index = static_cast<std::size_t>(noise_end);
    out.blank_end_index = static_cast<std::size_t>(static_cast<long>(out.stimulus_index) + blank_end);

    out.screen.resize(raw.size());
    for (std::size_t s = 0; s < raw.size(); ++s) {
        out.screen[s] = screen_sweep(raw[s], out.stimulus_index, fs, config.clip);
        if (out.screen[s].reason != ExclusionReason::none) {
            out.excluded.add(out.screen[s].reason);
            continue;
        }
        out.source.push_back(s);
    }
    out.samples.resize(out.source.size() * out.frames);
    for (std::size_t r = 0; r < out.source.size(); ++r) {
        std::copy(raw[out.source[r]].begin(), raw[out.source[r]].end(), out.row(r).begin());
    }

    const dsp::StimulusArtefactSuppressor suppressor(blanking_config(config, out.stimulus_index, fs));
    for (std::size_t r = 0; r < out.rows(); ++r) suppressor.process(out.row(r), out.stimulus_index);

    const SplitFilter split = split_filter(config.filter);
    std::string description;
    dsp::SosCascade high, rest;
    if (split.high.highpass_hz) {
        high = dsp::design_filter(split.high, fs);
        for (const auto& sec : high.sections()) {
            // z^2 + a1 z + a2 = 0 (a first-order section has a2 = 0 and a pole at 0).
            const std::complex<double> disc = std::sqrt(std::complex<double>(sec.a1 * sec.a1 - 4.0 * sec.a2, 0.0));
            for (const auto& pole : {(-sec.a1 + disc) / 2.0, (-sec.a1 - disc) / 2.0}) {
                if (std::abs(pole) > 1e-9) out.highpass_poles.push_back(pole);
            }
        }
        description = split.high.describe();
    }
    if (!split.rest.empty()) {
        rest = dsp::design_filter(split.rest, fs);
        description += (description.empty() ? "" : "; ") + split.rest.describe();
    }
    if (out.rows() > 0) detail::causal_then_zero_phase_rows(high, rest, out.samples, out.rows(), out.frames);
    out.filter = description.empty() ? "none" : description;

    out.noise_sd.resize(out.rows());
    for (std::size_t r = 0; r < out.rows(); ++r) {
        const auto x = out.row(r).first(out.noise_end_index);
        double mean = 0.0;
        for (float v : x) mean += v;
        mean /= static_cast<double>(x.size());
        double ss = 0.0;
        for (float v : x) ss += (v - mean) * (v - mean);
        out.noise_sd[r] = std::sqrt(ss / static_cast<double>(x.size() - 1));
    }
}

namespace {

// The smallest noise SD a sweep is credited with: a quarter of the typical
// pre-stimulus SD, and never below float resolution of the largest samples
// (a noiseless recording would otherwise divide by zero).
double noise_floor(const PreparedSweeps& sweeps) {
    // The largest sample to within a little: every 4th block of eight (a floor
    // needs no more), eight running maxima side by side (one would be a chain
    // of dependent comparisons).
    float lane[8] = {};
    const std::size_t n = sweeps.samples.size(), whole = n - n % 8;
    for (std::size_t i = 0; i < whole; i += 32) {
        for (std::size_t j = 0; j < 8; ++j) {
            const float v = std::abs(sweeps.samples[i + j]);
            lane[j] = v > lane[j] ? v : lane[j];
        }
    }
    float largest = *std::max_element(lane, lane + 8);
    for (std::size_t i = whole; i < n; ++i) largest = std::max(largest, std::abs(sweeps.samples[i]));
    return std::max(0.25 * sweeps.median_noise_sd(), 1e-5 * static_cast<double>(largest));
}

}  // namespace

std::size_t exclude_artefact_overload(PreparedSweeps& sweeps, const PipelineConfig& config) {
    const std::size_t n = sweeps.rows();
    if (n < 3) return 0;
    const double ms_per_sample = 1000.0 / sweeps.sample_rate_hz;
    const std::size_t start = sweeps.blank_end_index;
    const auto len = static_cast<std::size_t>(std::max(4L, std::lround(config.overload_window_ms / ms_per_sample)));
    if (start + len > sweeps.frames) return 0;
    // The typical post-artefact stretch: the median over sweeps at each sample.
    std::vector<double> typical(len), column(n);
    for (std::size_t k = 0; k < len; ++k) {
        for (std::size_t r = 0; r < n; ++r) column[r] = sweeps.row(r)[start + k];
        typical[k] = median_of(column);
    }
    double tt = 0.0;
    for (double v : typical) tt += v * v;
    const double floor_sd = noise_floor(sweeps);
    std::size_t excluded = 0;
    for (std::size_t r = n; r-- > 0;) {
        const auto x = sweeps.row(r);
        // Scaled to the sweep (artefacts grow with the stimulus), the rest is what is unlike the others.
        double xt = 0.0;
        for (std::size_t k = 0; k < len; ++k) xt += x[start + k] * typical[k];
        const double a = tt > 0.0 ? xt / tt : 0.0;
        double mean = 0.0;
        for (std::size_t k = 0; k < len; ++k) mean += (x[start + k] - a * typical[k]) / static_cast<double>(len);
        double ss = 0.0;
        for (std::size_t k = 0; k < len; ++k) {
            const double e = x[start + k] - a * typical[k] - mean;
            ss += e * e;
        }
        const double rms = std::sqrt(ss / static_cast<double>(len));
        const double noise = std::max(sweeps.noise_sd[r], floor_sd);
        if (noise > 0.0 && rms > config.overload_residual_to_noise * noise) {
            char buf[200];
            std::snprintf(buf, sizeof buf,
                          "the %.2f ms after the blanking differ from the other sweeps' by %.3g mV RMS, %.1f x the "
                          "baseline noise SD",
                          config.overload_window_ms, rms, rms / noise);
            sweeps.exclude_row(r, ExclusionReason::artefact_overload, buf);
            ++excluded;
        }
    }
    return excluded;
}

namespace {

// The artefact's tail as the pipeline renders it. The electrodes' tail is an
// exponential A e^(-(t - t_b) / tau) from the end of the blanking t_b on, but
// the sweeps were blanked (the cubic across the blanking reaches up to the
// tail's first samples) and high-passed after that: the high-pass turns the
// tail into the exponential plus an undershoot of its own, slow modes that
// outlast the tail by far and would be left under the response as a drifting
// baseline if only the exponential were removed. The shape is therefore the
// unit exponential through the same blanking and filters: by linearity, the
// high-passed interpolation of its first few samples (precomputed once per
// sample) plus the high-passed exponential from t_b on (per time constant,
// over the fit window only).
class TailShape {
public:
    // `reach`: samples after the blanking the searches look at (the blanking's
    // responses are made that far; full() makes the rest).
    TailShape(const PreparedSweeps& sweeps, const PipelineConfig& config, std::size_t reach)
        : start_(sweeps.blank_end_index), frames_(sweeps.frames), made_(std::min(frames_, start_ + reach)) {
        const double fs = sweeps.sample_rate_hz;
        const SplitFilter split = split_filter(config.filter);
        if (split.high.highpass_hz) high_ = dsp::design_filter(split.high, fs);
        if (!split.rest.empty()) rest_ = dsp::design_filter(split.rest, fs);
        // The blanking's response to each of the first samples after it.
        const dsp::StimulusArtefactSuppressor suppressor(blanking_config(config, sweeps.stimulus_index, fs));
        std::vector<float> probe(frames_);
        for (std::size_t j = start_; j < std::min(frames_, start_ + kReach); ++j) {
            std::fill(probe.begin(), probe.end(), 0.0f);
            probe[j] = 1.0f;
            suppressor.process(probe, sweeps.stimulus_index);
            std::vector<double> blank(probe.begin(), probe.begin() + static_cast<std::ptrdiff_t>(start_));
            bool any = false;
            for (double v : blank) any = any || v != 0.0;
            if (!any) continue;
            blank_input_.push_back(blank);
            blank.resize(made_, 0.0);
            run_high(blank.data(), blank.size());
            blank_.push_back({j - start_, std::move(blank)});
        }
    }

    // The shape over [t_b, t_b + n) for time constant `tau` (samples), before
    // the zero-phase filters (which barely touch a decay of 0.1 ms or slower).
    void window(double tau, std::size_t n, std::vector<double>& g) const {
        g.resize(n);
        const double decay = std::exp(-1.0 / tau);
        double e = 1.0;
        for (std::size_t k = 0; k < n; ++k) {
            g[k] = e;
            e *= decay;
        }
        run_high(g.data(), n);
        for (const auto& [offset, response] : blank_) {
            const double w = std::pow(decay, static_cast<double>(offset));
            for (std::size_t k = 0; k < n && start_ + k < response.size(); ++k) g[k] += w * response[start_ + k];
        }
    }

    // window() for up to kLanes time constants at once: the recursions of
    // different time constants are independent, so they run side by side
    // (vectorised) instead of one after the other. out[j] gets taus[j]'s shape.
    static constexpr std::size_t kLanes = 8;
    void window_batch(const double* taus, std::size_t count, std::size_t n, std::vector<double>* const* out) const {
        double decay[kLanes], e[kLanes], v[kLanes];
        for (std::size_t j = 0; j < kLanes; ++j) {
            decay[j] = std::exp(-1.0 / taus[std::min(j, count - 1)]);
            e[j] = 1.0;
        }
        const std::size_t sections = high_ ? high_->size() : 0;
        std::vector<double> z(2 * kLanes * sections, 0.0);
        for (std::size_t j = 0; j < count; ++j) out[j]->resize(n);
        for (std::size_t k = 0; k < n; ++k) {
            for (std::size_t j = 0; j < kLanes; ++j) {
                v[j] = e[j];
                e[j] *= decay[j];
            }
            for (std::size_t q = 0; q < sections; ++q) {
                const dsp::SosSection& sec = (*high_)[q];
                double* z1 = z.data() + 2 * kLanes * q;
                double* z2 = z1 + kLanes;
                for (std::size_t j = 0; j < kLanes; ++j) {
                    const double in = v[j];
                    const double y = sec.b0 * in + z1[j];
                    z1[j] = sec.b1 * in - sec.a1 * y + z2[j];
                    z2[j] = sec.b2 * in - sec.a2 * y;
                    v[j] = y;
                }
            }
            for (std::size_t j = 0; j < count; ++j) (*out[j])[k] = v[j];
        }
        for (const auto& [offset, response] : blank_) {
            for (std::size_t j = 0; j < count; ++j) {
                const double w = std::pow(decay[j], static_cast<double>(offset));
                auto& g = *out[j];
                for (std::size_t k = 0; k < n && start_ + k < response.size(); ++k) g[k] += w * response[start_ + k];
            }
        }
    }

    // The whole sweep's shape, every filter applied.
    std::vector<float> full(double tau) {
        if (made_ < frames_) {
            made_ = frames_;
            for (std::size_t b = 0; b < blank_.size(); ++b) {
                std::vector<double> blank = blank_input_[b];
                blank.resize(frames_, 0.0);
                run_high(blank.data(), blank.size());
                blank_[b].second = std::move(blank);
            }
        }
        std::vector<double> g;
        window(tau, frames_ - start_, g);
        std::vector<float> out(frames_, 0.0f);
        for (const auto& [offset, response] : blank_) {
            const double w = std::pow(std::exp(-1.0 / tau), static_cast<double>(offset));
            for (std::size_t t = 0; t < start_; ++t) out[t] += static_cast<float>(w * response[t]);
        }
        for (std::size_t k = 0; k < g.size(); ++k) out[start_ + k] = static_cast<float>(g[k]);
        if (rest_ && frames_ >= 2) {
            // The zero-phase filters only matter where the shape bends fast,
            // at the end of the blanking: they run over the first 256 samples
            // after it, whose last 64 (the segment's own edge) are left as they were.
            const std::size_t seg = std::min(frames_, start_ + 256);
            std::vector<float> part(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(seg));
            detail::zero_phase_rows(*rest_, part, 1, seg);
            const std::size_t keep = seg == frames_ ? seg : seg - 64;
            std::copy(part.begin(), part.begin() + static_cast<std::ptrdiff_t>(keep), out.begin());
        }
        return out;
    }

private:
    static constexpr std::size_t kReach = 4;  // the cubic uses two samples past the blanking; margin
    void run_high(double* x, std::size_t n) const {
        if (!high_) return;
        for (const auto& sec : high_->sections()) {
            double z1 = 0.0, z2 = 0.0;  // transposed direct form II, zero state
            for (std::size_t k = 0; k < n; ++k) {
                const double in = x[k];
                const double out = sec.b0 * in + z1;
                z1 = sec.b1 * in - sec.a1 * out + z2;
                z2 = sec.b2 * in - sec.a2 * out;
                x[k] = out;
            }
        }
    }

    std::size_t start_, frames_, made_;
    std::optional<dsp::SosCascade> high_, rest_;
    std::vector<std::vector<double>> blank_input_;  // the blanking's interpolation of each probe, before the filters
    std::vector<std::pair<std::size_t, std::vector<double>>> blank_;  // offset from t_b, high-passed blanking
};

struct ShapeFit {
    double a = 0.0, c = 0.0, tau = 0.0, sse = 0.0;
};

// A g + C by least squares from the sums over the n samples.
ShapeFit fit_from_sums(double sgg, double syg, double sg, double sy, double syy, std::size_t n) {
    ShapeFit f;
    const double nn = static_cast<double>(n);
    const double det = sgg * nn - sg * sg;
    if (std::abs(det) < 1e-300) return f;
    f.a = (syg * nn - sg * sy) / det;
    f.c = (sgg * sy - sg * syg) / det;
    f.sse = std::max(0.0, syy - f.a * syg - f.c * sy);
    return f;
}

// A g + C by least squares over y[0, n).
ShapeFit fit_shape(const float* y, const std::vector<double>& g, std::size_t n) {
    double sgg = 0, syg = 0, sg = 0, sy = 0, syy = 0;
    for (std::size_t k = 0; k < n; ++k) {
        const double v = y[k];
        sgg += g[k] * g[k];
        syg += v * g[k];
        sg += g[k];
        sy += v;
        syy += v * v;
    }
    return fit_from_sums(sgg, syg, sg, sy, syy, n);
}

// The time constant of the tail, on a log grid from tau_min to tau_max (8
// steps per factor 3), each grid point's shape computed once (lengthened as
// the window grows) and reused for every window. The first fit and the final
// (`precise`) one scan the whole grid (the sum of squares can have a second
// trough at the longest time constants, where the tail degenerates into a
// slope); those between scan 8 points either side of the last minimum,
// moving out while the minimum lies on the scanned edge. The minimum is then
// refined by a parabola through its neighbours in log tau, or (`precise`, the
// final fit whose residual decides exclusions) by golden section between them.
//
// The grid's shapes depend on the layout only (TailPlan): they are kept
// between searches of the same layout, each search with its own state.
struct TailGrid {
    std::vector<double> taus;
    std::vector<std::vector<double>> shapes;  // per tau, made as long as needed so far
    // Per tau, prefix sums of the shape and its square (what a fit over the
    // first n samples needs of the shape alone).
    std::vector<std::vector<double>> sum_g, sum_gg;
};

class TailSearch {
public:
    TailSearch(const TailShape& shape, TailGrid& grid, double tau_min, double tau_max, std::size_t longest)
        : shape_(shape), longest_(longest), taus_(grid.taus), shapes_(grid.shapes), sum_g_(grid.sum_g),
          sum_gg_(grid.sum_gg) {
        if (taus_.empty()) {
            const double ratio = std::pow(3.0, 1.0 / kSteps);
            for (double tau = tau_min; tau <= tau_max * 1.0001; tau *= ratio) taus_.push_back(tau);
            shapes_.resize(taus_.size());
            sum_g_.resize(taus_.size());
            sum_gg_.resize(taus_.size());
        }
    }

    ShapeFit fit(const float* y, std::size_t n, bool precise, std::vector<double>& g) {
        const std::size_t last = taus_.size() - 1;
        std::size_t lo = 0, hi = last;
        if (centre_ && !precise) {
            lo = *centre_ > kReach ? *centre_ - kReach : 0;
            hi = std::min(last, *centre_ + kReach);
        }
        std::vector<double> sse(taus_.size(), INFINITY);
        Eigen::VectorXd yd(static_cast<Eigen::Index>(n));
        double sy = 0.0, syy = 0.0;
        for (std::size_t k = 0; k < n; ++k) {
            const double v = y[k];
            yd(static_cast<Eigen::Index>(k)) = v;
            sy += v;
            syy += v * v;
        }
        auto scan = [&](std::size_t from, std::size_t to) {
            // Shapes not yet long enough: made kLanes at a time, to twice the
            // window (it grows) or the longest, whichever is less.
            const std::size_t length = std::max(n, std::min(longest_, 2 * n));
            std::vector<std::size_t> missing;
            for (std::size_t j = from; j <= to; ++j) {
                if (shapes_[j].size() < n) missing.push_back(j);
            }
            for (std::size_t b = 0; b < missing.size(); b += TailShape::kLanes) {
                const std::size_t count = std::min(TailShape::kLanes, missing.size() - b);
                double taus[TailShape::kLanes];
                std::vector<double>* outs[TailShape::kLanes];
                for (std::size_t j = 0; j < count; ++j) {
                    taus[j] = taus_[missing[b + j]];
                    outs[j] = &shapes_[missing[b + j]];
                }
                shape_.window_batch(taus, count, length, outs);
                for (std::size_t j = 0; j < count; ++j) {
                    const std::vector<double>& g = *outs[j];
                    auto& pg = sum_g_[missing[b + j]];
                    auto& pgg = sum_gg_[missing[b + j]];
                    pg.assign(g.size() + 1, 0.0);
                    pgg.assign(g.size() + 1, 0.0);
                    for (std::size_t k = 0; k < g.size(); ++k) {
                        pg[k + 1] = pg[k] + g[k];
                        pgg[k + 1] = pgg[k] + g[k] * g[k];
                    }
                }
            }
            // A g + C over y[0, n): only sum(y g) depends on both.
            for (std::size_t j = from; j <= to; ++j) {
                const double syg = yd.head(static_cast<Eigen::Index>(n)).dot(
                    Eigen::Map<const Eigen::VectorXd>(shapes_[j].data(), static_cast<Eigen::Index>(n)));
                sse[j] = fit_from_sums(sum_gg_[j][n], syg, sum_g_[j][n], sy, syy, n).sse;
            }
        };
        scan(lo, hi);
        std::size_t best = lo;
        for (;;) {
            best = lo;
            for (std::size_t j = lo; j <= hi; ++j) {
                if (sse[j] < sse[best]) best = j;
            }
            if (best == lo && lo > 0) {
                const std::size_t next = lo > kReach ? lo - kReach : 0;
                scan(next, lo - 1);
                lo = next;
            } else if (best == hi && hi < last) {
                const std::size_t next = std::min(last, hi + kReach);
                scan(hi + 1, next);
                hi = next;
            } else {
                break;
            }
        }
        centre_ = best;
        double log_tau = std::log(taus_[best]);
        if (best > 0 && best < last) {
            if (precise) {
                // Rounds of kLanes time constants spread evenly over the
                // bracket, made side by side; the bracket then shrinks to the
                // best one's neighbours (by about 4.5 each round, to about
                // 0.2% of tau after three: far below what moves the residual
                // that decides exclusions, and each round is a fifth of the
                // tail's cost for a short recording).
                double a = std::log(taus_[best - 1]), b = std::log(taus_[best + 1]);
                constexpr std::size_t lanes = TailShape::kLanes;
                std::vector<double> trial[lanes];
                std::vector<double>* outs[lanes];
                for (std::size_t j = 0; j < lanes; ++j) outs[j] = &trial[j];
                for (int round = 0; round < 3; ++round) {
                    const double step = (b - a) / static_cast<double>(lanes + 1);
                    double taus[lanes];
                    for (std::size_t j = 0; j < lanes; ++j) taus[j] = std::exp(a + step * static_cast<double>(j + 1));
                    shape_.window_batch(taus, lanes, n, outs);
                    std::size_t pick = 0;
                    double pick_sse = INFINITY;
                    for (std::size_t j = 0; j < lanes; ++j) {
                        const double e = fit_shape(y, trial[j], n).sse;
                        if (e < pick_sse) {
                            pick_sse = e;
                            pick = j;
                        }
                    }
                    const double centre = a + step * static_cast<double>(pick + 1);
                    a = centre - step;
                    b = centre + step;
                }
                log_tau = 0.5 * (a + b);
            } else {
                const double den = sse[best - 1] - 2.0 * sse[best] + sse[best + 1];
                if (den > 0.0) {
                    log_tau += std::clamp(0.5 * (sse[best - 1] - sse[best + 1]) / den, -0.5, 0.5) * std::log(3.0) / kSteps;
                }
            }
        }
        shape_.window(std::exp(log_tau), n, g);
        ShapeFit f = fit_shape(y, g, n);
        f.tau = std::exp(log_tau);
        return f;
    }

private:
    static constexpr int kSteps = 8;
    static constexpr std::size_t kReach = 8;

    const TailShape& shape_;
    std::size_t longest_;
    std::vector<double>& taus_;
    std::vector<std::vector<double>>& shapes_;
    std::vector<std::vector<double>>& sum_g_;
    std::vector<std::vector<double>>& sum_gg_;
    std::optional<std::size_t> centre_;
};

// What the tail's search needs that depends on the layout only (rate, sweep,
// stimulus and blanking indices, filters, blanking times, search length):
// the rendered shapes, made once per layout and thread and reused for every
// recording of it (a batch of recordings, or a stream measured sweep after
// sweep), which is most of the tail's cost for a recording of few sweeps.
// Each search's results are the same as with a fresh plan: a shape's samples
// do not depend on how far it has been made.
struct TailPlan {
    double fs = 0.0;
    std::size_t frames = 0, stimulus_index = 0, start = 0, reach = 0, longest = 0;
    double blank_start_ms = 0.0, blank_end_ms = 0.0;
    std::optional<double> highpass_hz, lowpass_hz, notch_hz;
    std::optional<std::pair<double, double>> bandpass_hz;
    int order = 0;
    std::unique_ptr<TailShape> shape;
    TailGrid grid;

    bool matches(const PreparedSweeps& sweeps, const PipelineConfig& config, std::size_t reach_, std::size_t longest_) const {
        const auto& f = config.filter;
        return shape && fs == sweeps.sample_rate_hz && frames == sweeps.frames &&
               stimulus_index == sweeps.stimulus_index && start == sweeps.blank_end_index && reach == reach_ &&
               longest == longest_ && blank_start_ms == config.blank_start_ms && blank_end_ms == config.blank_end_ms &&
               highpass_hz == f.highpass_hz && lowpass_hz == f.lowpass_hz && notch_hz == f.notch_hz &&
               bandpass_hz == f.bandpass_hz && order == f.order;
    }
};

TailPlan& tail_plan(const PreparedSweeps& sweeps, const PipelineConfig& config, std::size_t reach, std::size_t longest) {
    thread_local TailPlan plan;
    if (!plan.matches(sweeps, config, reach, longest)) {
        plan = TailPlan{};
        const auto& f = config.filter;
        plan.fs = sweeps.sample_rate_hz;
        plan.frames = sweeps.frames;
        plan.stimulus_index = sweeps.stimulus_index;
        plan.start = sweeps.blank_end_index;
        plan.reach = reach;
        plan.longest = longest;
        plan.blank_start_ms = config.blank_start_ms;
        plan.blank_end_ms = config.blank_end_ms;
        plan.highpass_hz = f.highpass_hz;
        plan.lowpass_hz = f.lowpass_hz;
        plan.notch_hz = f.notch_hz;
        plan.bandpass_hz = f.bandpass_hz;
        plan.order = f.order;
        plan.shape = std::make_unique<TailShape>(sweeps, config, reach);
    }
    return plan;
}

}  // namespace

bool suppress_artefact_tail(PreparedSweeps& sweeps, const PipelineConfig& config) {
    const std::size_t n = sweeps.rows();
    if (n == 0) return false;
    const double fs = sweeps.sample_rate_hz;
    const double ms_per_sample = 1000.0 / fs;
    const std::size_t frames = sweeps.frames;
    std::vector<float> mean;
    {
        const std::vector<double> m = sweeps.mean_of();
        mean.assign(m.begin(), m.end());
    }
    const double noise_mean = sweeps.mean_noise_sd();

    const std::size_t start = sweeps.blank_end_index;
    const auto min_len = static_cast<std::size_t>(std::max(4L, std::lround(config.tail_fit_min_ms / ms_per_sample)));
    const std::size_t margin = static_cast<std::size_t>(std::lround(config.tail_fit_margin_ms / ms_per_sample));
    const auto last_len = static_cast<std::size_t>(std::max(3L, std::lround(0.3 / ms_per_sample)));
    const std::size_t limit =
        std::min(frames - 2, start + static_cast<std::size_t>(std::lround(config.tail_search_ms / ms_per_sample)));
    if (start + min_len + margin > limit) return false;
    TailPlan& plan =
        tail_plan(sweeps, config, limit - start + static_cast<std::size_t>(std::lround(3.0 / ms_per_sample)), limit - start);
    TailShape& shape = *plan.shape;
    std::vector<double> g;
    // Time constants from 0.05 to 50 ms are searched; one much longer than
    // the final window cannot be told from the constant (A e + C degenerates
    // into a slope) and is no tail (see below).
    const double tau_min = std::max(0.5, 0.05 / ms_per_sample);
    const double tau_max = 50.0 / ms_per_sample;
    // The tail's size: its largest excursion from the baseline over the
    // shortest window (the pre-stimulus baseline is at zero).
    double reference = 0.0;
    for (std::size_t t = start; t < start + min_len; ++t) reference = std::max(reference, std::abs(double(mean[t])));
    TailSearch search(shape, plan.grid, tau_min, tau_max, limit - start);
    bool precise = false;
    auto fit_until = [&](std::size_t end_index, ShapeFit& fit) {
        const std::size_t len = end_index - start;
        fit = search.fit(mean.data() + start, len, precise, g);
        // The residual over the window's last stretch: where a response entering it shows first.
        double ss = 0.0;
        for (std::size_t k = len - last_len; k < len; ++k) {
            const double r = mean[start + k] - fit.a * g[k] - fit.c;
            ss += r * r;
        }
        const double rms = std::sqrt(ss / static_cast<double>(last_len));
        return rms <= 2.5 * noise_mean + config.tail_model_tolerance * reference;
    };
    ShapeFit fit;
    const std::size_t first_end = start + min_len;
    if (!fit_until(first_end, fit)) return false;
    // Grow the window until its last stretch stops following the tail: a
    // response has entered it.
    const auto step = static_cast<std::size_t>(std::max(1L, std::lround(1.0 / ms_per_sample)));
    std::size_t good = first_end;
    for (std::size_t e = first_end + step; e <= limit; e += step) {
        if (!fit_until(e, fit)) break;
        good = e;
    }
    std::size_t end = good == limit ? good : good - std::min(good - start, margin);
    if (good < limit) {
        // The growth stops once the response stands clear of the noise, some
        // way into it: the window then ends the margin before the response's
        // onset, found on the mean's residual by the onset criterion.
        const OnsetCriterion criterion = OnsetCriterion::from_signals();
        const std::size_t stop = std::min(frames, good + static_cast<std::size_t>(std::lround(3.0 / ms_per_sample)));
        std::vector<double> over;
        for (int pass = 0; pass < 2 && end >= start + min_len; ++pass) {
            fit_until(end, fit);
            shape.window(fit.tau, stop - start, over);
            std::vector<double> residual(stop - start);
            for (std::size_t t = start; t < stop; ++t) residual[t - start] = mean[t] - fit.a * over[t - start] - fit.c;
            std::size_t peak = good - start;
            for (std::size_t k = peak; k < residual.size(); ++k) {
                if (std::abs(residual[k]) > std::abs(residual[peak])) peak = k;
            }
            const OnsetEstimate onset = estimate_onset(residual, fs, noise_mean, peak, 0, end - start, criterion);
            if (!onset.found) break;
            const auto onset_index = static_cast<std::size_t>(std::max(0.0, std::floor(onset.onset_index)));
            if (start + onset_index < margin + start + min_len) {
                end = 0;
                break;
            }
            const std::size_t candidate = start + onset_index - margin;
            if (candidate >= end) break;
            end = candidate;
        }
    }
    if (end < start + min_len) return false;
    precise = true;
    fit_until(end, fit);
    // A tail that does not stand out of the mean's noise is left alone, and
    // so is one that does not decay within the window (a time constant over
    // twice its length: nothing to separate from the offset).
    if (!(std::abs(fit.a) > 5.0 * noise_mean)) return false;
    if (fit.tau > 2.0 * static_cast<double>(end - start)) return false;

    sweeps.tail_fitted = true;
    sweeps.tail_fit_start_ms = sweeps.ms_at(static_cast<double>(start));
    sweeps.tail_fit_end_ms = sweeps.ms_at(static_cast<double>(end));
    sweeps.tail_tau_ms = fit.tau * ms_per_sample;
    // Per sweep: A and C by least squares with the mean's tau; A times the
    // whole shape (undershoot included) is removed.
    const std::vector<float> whole = shape.full(fit.tau);
    const std::size_t len = end - start;
    const std::vector<double> basis(whole.begin() + static_cast<std::ptrdiff_t>(start),
                                    whole.begin() + static_cast<std::ptrdiff_t>(end));
    const double floor_sd = noise_floor(sweeps);
    for (std::size_t r = n; r-- > 0;) {
        auto x = sweeps.row(r);
        const ShapeFit f = fit_shape(x.data() + start, basis, len);
        const double rms = std::sqrt(f.sse / static_cast<double>(len));
        const double noise = std::max(sweeps.noise_sd[r], floor_sd);
        if (noise > 0.0 && rms > config.overload_residual_to_noise * noise) {
            char buf[160];
            std::snprintf(buf, sizeof buf,
                          "artefact tail residual %.3g mV RMS over %.2f-%.2f ms is %.1f x the baseline noise SD", rms,
                          sweeps.tail_fit_start_ms, sweeps.tail_fit_end_ms, rms / noise);
            sweeps.exclude_row(r, ExclusionReason::artefact_overload, buf);
            continue;
        }
        for (std::size_t t = 0; t < frames; ++t) x[t] = static_cast<float>(x[t] - f.a * whole[t]);
    }
    return true;
}

}  // namespace edx::evoked
