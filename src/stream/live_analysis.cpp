#include "edx/stream/live_analysis.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <limits>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "edx/evoked/fair_analysis.hpp"
#include "edx/evoked/fair_recording.hpp"

namespace edx::stream {

namespace {

constexpr std::array<emg::SpontaneousClass, 6> kClasses = {
    emg::SpontaneousClass::fibrillation,         emg::SpontaneousClass::positive_sharp_wave,
    emg::SpontaneousClass::fasciculation,        emg::SpontaneousClass::complex_repetitive_discharge,
    emg::SpontaneousClass::voluntary_muap,       emg::SpontaneousClass::unclassified};

// The classes a `spontaneous` event reports: spontaneous activity proper (a
// voluntary unit firing at rest, or a detection too weak to classify, is not).
bool reported(emg::SpontaneousClass c) noexcept {
    return c == emg::SpontaneousClass::fibrillation || c == emg::SpontaneousClass::positive_sharp_wave ||
           c == emg::SpontaneousClass::fasciculation || c == emg::SpontaneousClass::complex_repetitive_discharge;
}

std::size_t class_slot(emg::SpontaneousClass c) noexcept {
    for (std::size_t i = 0; i < kClasses.size(); ++i) {
        if (kClasses[i] == c) return i;
    }
    return kClasses.size() - 1;
}

}  // namespace

std::string_view to_string(SessionEnd end) noexcept {
    switch (end) {
        case SessionEnd::end: return "end";
        case SessionEnd::protocol_error: return "protocol_error";
        case SessionEnd::disconnect: return "disconnect";
        case SessionEnd::aborted: return "aborted";
    }
    return "aborted";
}

void LiveAnalysisOptions::validate() const {
    if (max_prefix_sweeps < 1) throw std::invalid_argument("LiveAnalysisOptions.max_prefix_sweeps must be at least 1");
    if (!(std::isfinite(emg_window_s) && emg_window_s >= 1.0 && emg_window_s <= 60.0)) {
        throw std::invalid_argument("LiveAnalysisOptions.emg_window_s must be in [1, 60] s");
    }
    if (!(std::isfinite(emg_min_window_s) && emg_min_window_s >= 0.5 && emg_min_window_s <= emg_window_s)) {
        throw std::invalid_argument("LiveAnalysisOptions.emg_min_window_s must be in [0.5 s, emg_window_s]");
    }
    h_reflex.validate();
    fair.validate();
}

struct LiveAnalysis::EvokedChannel {
    std::size_t lane = 0;
    const ChannelSpec* spec = nullptr;
    SubjectMeasures subject;  // the channel's, completed from the header's
    Recording rec;            // sweep form: every sweep received (the final measurement needs them all)
    std::vector<std::uint8_t> missing;  // per sweep: the cutter saw missing data
    std::size_t sweeps = 0;
    std::size_t evented = 0;
    std::size_t missing_sweeps = 0;
};

struct LiveAnalysis::SpontaneousTotals {
    std::mutex mutex;
    double rest_s = 0.0;
    std::size_t windows = 0;
    std::size_t failures = 0;
    std::string last_failure;
    std::array<std::size_t, kClasses.size()> counts{};
    int max_grade = 0;
};

struct LiveAnalysis::ContinuousChannel {
    std::size_t lane = 0;
    const ChannelSpec* spec = nullptr;
    bool needle = false;
    std::vector<float> kept;
    std::vector<float> window;
    std::size_t window_frames = 0;
    std::uint64_t window_start = 0;
    std::shared_ptr<SpontaneousTotals> totals = std::make_shared<SpontaneousTotals>();
};

LiveAnalysis::LiveAnalysis(const SessionHeader& header, const LiveAnalysisOptions& options, EventQueue& events,
                           BackgroundWork* background)
    : header_(header), options_(options), events_(events), background_(background), rate_(header.sample_rate_hz) {
    options_.validate();
    if (header_.pre_trigger_s && header_.post_trigger_s) {
        // The sweep cutter's rounding (src/dsp/sweep_cutter.cpp).
        pre_ = static_cast<std::size_t>(std::lround(*header_.pre_trigger_s * rate_));
        post_ = static_cast<std::size_t>(std::lround(*header_.post_trigger_s * rate_));
    }
    for (std::size_t c = 0; c < header_.channels.size(); ++c) {
        const ChannelSpec& spec = header_.channels[c];
        if (is_evoked(spec.kind)) {
            if (post_ == 0) throw std::invalid_argument("LiveAnalysis: evoked channel '" + spec.name + "' without a sweep");
            auto ch = std::make_unique<EvokedChannel>();
            ch->lane = evoked_.size();
            ch->spec = &header_.channels[c];
            ch->subject = spec.subject.merged_over(header_.subject);
            RecordingInfo& info = ch->rec.info;
            info.name = spec.name;
            info.kind = spec.kind;
            info.sample_rate_hz = rate_;
            info.units = canonical_units(spec.kind);
            info.muscle = spec.muscle;
            info.nerve = spec.nerve;
            info.side = spec.side;
            info.stim_site = spec.stim_site;
            info.distance_mm = spec.distance_mm;
            info.subject = spec.subject;
            ch->rec.form = SampleForm::sweeps;
            ch->rec.channels = 1;
            ch->rec.frames = pre_ + post_;
            ch->rec.pre_trigger_s = static_cast<double>(pre_) / rate_;
            evoked_index_.push_back(c);
            evoked_.push_back(std::move(ch));
        } else {
            auto ch = std::make_unique<ContinuousChannel>();
            ch->lane = continuous_.size();
            ch->spec = &header_.channels[c];
            ch->needle = spec.kind == RecordingKind::needle_emg;
            if (ch->needle) {
                ch->window_frames = static_cast<std::size_t>(std::ceil(options_.emg_window_s * rate_));
                ch->window.reserve(ch->window_frames);
            }
            continuous_index_.push_back(c);
            continuous_.push_back(std::move(ch));
        }
    }
    bool any_needle = false;
    for (const auto& ch : continuous_) any_needle = any_needle || ch->needle;
    if (any_needle) spontaneous_criteria_ = std::make_unique<emg::SpontaneousCriteria>(emg::SpontaneousCriteria::from_tables());
}

LiveAnalysis::~LiveAnalysis() = default;

void LiveAnalysis::emit(Json event) { events_.push(event_line(event)); }

bool LiveAnalysis::at_rest(std::uint64_t index) const noexcept {
    bool rest = true;  // no effort marker yet: read as rest, as `edx analyze` reads a recording without one
    for (const auto& [at, is_rest] : contraction_) {
        if (at > index) break;
        rest = is_rest;
    }
    return rest;
}

std::uint64_t LiveAnalysis::next_contraction_change(std::uint64_t after) const noexcept {
    for (const auto& [at, is_rest] : contraction_) {
        if (at > after) return at;
    }
    return std::numeric_limits<std::uint64_t>::max();
}

void LiveAnalysis::add_block(std::uint64_t first, std::size_t frames, const float* samples) {
    const std::size_t lanes = continuous_.size();
    if (lanes == 0 || frames == 0) return;
    if (options_.keep_samples && !kept_truncated_) {
        const std::size_t have = continuous_.front()->kept.size();
        const std::size_t fill = first > have ? static_cast<std::size_t>(first - have) : 0;
        if (kept_samples_ + (fill + frames) * lanes > options_.max_kept_samples) {
            kept_truncated_ = true;
        } else {
            for (auto& ch : continuous_) {
                ch->kept.resize(ch->kept.size() + fill, std::numeric_limits<float>::quiet_NaN());
                for (std::size_t f = 0; f < frames; ++f) ch->kept.push_back(samples[f * lanes + ch->lane]);
            }
            kept_samples_ += (fill + frames) * lanes;
        }
    }
    if (!spontaneous_criteria_) return;
    const std::uint64_t end = first + frames;
    std::uint64_t a = first;
    while (a < end) {
        const std::uint64_t b = std::min(end, next_contraction_change(a));
        const bool rest = at_rest(a);
        for (auto& ch : continuous_) {
            if (!ch->needle) continue;
            if (rest) {
                append_window(*ch, a, samples + (a - first) * lanes + ch->lane, lanes, static_cast<std::size_t>(b - a));
            } else {
                flush_window(*ch);
            }
        }
        a = b;
    }
}

void LiveAnalysis::append_window(ContinuousChannel& ch, std::uint64_t first, const float* column, std::size_t stride,
                                 std::size_t frames) {
    const std::size_t full = ch.window_frames;
    for (std::size_t i = 0; i < frames; ++i) {
        const float x = column[i * stride];
        if (!std::isfinite(x)) {
            flush_window(ch);
            continue;
        }
        if (!ch.window.empty() && ch.window_start + ch.window.size() != first + i) flush_window(ch);
        if (ch.window.empty()) ch.window_start = first + i;
        ch.window.push_back(x);
        if (ch.window.size() >= full) flush_window(ch);
    }
}

void LiveAnalysis::flush_window(ContinuousChannel& ch) {
    if (ch.window.empty()) return;
    const auto min_frames = static_cast<std::size_t>(std::ceil(options_.emg_min_window_s * rate_));
    if (ch.window.size() < min_frames) {
        ++short_rest_stretches_;
        ch.window.clear();
        return;
    }
    auto samples = std::make_shared<std::vector<float>>(ch.window);
    ch.window.clear();
    const double start_s = seconds(ch.window_start);
    const std::string name = ch.spec->name;
    auto totals = ch.totals;
    const emg::SpontaneousCriteria* criteria = spontaneous_criteria_.get();
    const double rate = rate_;
    EventQueue* events = &events_;
    auto job = [samples, start_s, name, totals, criteria, rate, events] {
        try {
            const auto res = emg::analyse_spontaneous(*samples, rate, start_s, *criteria);
            for (const auto& d : res.discharges) {
                if (!reported(d.kind)) continue;
                Json e;
                e["type"] = "spontaneous";
                e["t"] = number_or_null(d.time_s);
                e["channel"] = name;
                e["class"] = std::string(emg::to_string(d.kind));
                e["in_train"] = d.train >= 0;
                e["peak_snr"] = number_or_null(d.peak_snr);
                events->push(event_line(e));
            }
            std::lock_guard lock(totals->mutex);
            totals->rest_s += static_cast<double>(samples->size()) / rate;
            ++totals->windows;
            for (const auto& d : res.discharges) ++totals->counts[class_slot(d.kind)];
            totals->max_grade = std::max(totals->max_grade, res.grade);
        } catch (const std::exception& e) {
            std::lock_guard lock(totals->mutex);
            ++totals->failures;
            totals->last_failure = e.what();
        }
    };
    if (background_) {
        background_->post(ch.lane, std::move(job));
    } else {
        job();
    }
}

void LiveAnalysis::flush_windows() {
    for (auto& ch : continuous_) {
        if (ch->needle) flush_window(*ch);
    }
}

void LiveAnalysis::add_gap(std::uint64_t first_missing, std::uint64_t frames) {
    flush_windows();
    Json e;
    e["type"] = "gap";
    e["t"] = seconds(first_missing);
    e["size"] = frames;
    e["first_sample_index"] = first_missing;
    emit(std::move(e));
}

void LiveAnalysis::add_overlap(std::uint64_t expected, std::uint64_t first, std::uint64_t frames) {
    Json e;
    e["type"] = "gap";
    e["t"] = seconds(first);
    e["size"] = -static_cast<std::int64_t>(std::min<std::uint64_t>(expected - first, INT64_MAX));
    e["first_sample_index"] = first;
    e["expected_sample_index"] = expected;
    e["samples_ignored"] = frames;
    emit(std::move(e));
}

void LiveAnalysis::add_sweep(std::uint64_t stimulus_index, double intensity_ma, bool missing_data, bool non_finite,
                             const float* samples) {
    (void)non_finite;  // the measurement screens non-finite samples itself
    ++stimuli_sweeps_;
    const std::size_t lanes = evoked_.size();
    const std::size_t frames = pre_ + post_;
    const double t = seconds(stimulus_index);
    for (auto& ch : evoked_) {
        const std::size_t k = ch->sweeps++;
        if (missing_data) ++ch->missing_sweeps;
        for (std::size_t f = 0; f < frames; ++f) ch->rec.samples.push_back(samples[f * lanes + ch->lane]);
        ch->rec.stimuli.push_back({t, intensity_ma});
        ch->rec.sweep_count = ch->sweeps;
        ch->missing.push_back(missing_data ? 1 : 0);
        (void)k;  // measured in measure_pending()
    }
}

void LiveAnalysis::add_marker(std::uint64_t index, std::string label) {
    Marker m{seconds(index), std::move(label)};
    auto insert_sorted = [&m](std::vector<Marker>& list) {
        const auto at = std::upper_bound(list.begin(), list.end(), m.time_s,
                                         [](double t, const Marker& x) { return t < x.time_s; });
        list.insert(at, m);
    };
    insert_sorted(markers_);
    for (auto& ch : evoked_) insert_sorted(ch->rec.markers);
    if (const auto position = m.value_of("position")) {
        Json e;
        e["type"] = "position";
        e["t"] = m.time_s;
        e["position"] = std::string(*position);
        e["sample_index"] = index;
        emit(std::move(e));
    }
    if (const auto effort = m.value_of("contraction")) {
        const bool rest = *effort == "rest";
        const auto at = std::upper_bound(contraction_.begin(), contraction_.end(), index,
                                         [](std::uint64_t i, const auto& x) { return i < x.first; });
        contraction_.insert(at, {index, rest});
        // A change of effort inside the window being filled ends the window there.
        for (auto& ch : continuous_) {
            if (!ch->needle || ch->window.empty()) continue;
            if (index < ch->window_start + ch->window.size() && !rest) {
                ch->window.resize(index > ch->window_start ? static_cast<std::size_t>(index - ch->window_start) : 0);
                flush_window(*ch);
            }
        }
    }
}

bool LiveAnalysis::has_pending() const noexcept {
    for (const auto& ch : evoked_) {
        if (ch->evented < ch->sweeps) return true;
    }
    return false;
}

void LiveAnalysis::measure_pending() {
    // One stimulus completes a sweep on every evoked channel at once: measure
    // them on every core, so the last channel's event does not wait for all the others.
    std::vector<EvokedChannel*> dirty;
    for (auto& ch : evoked_) {
        if (ch->evented < ch->sweeps) dirty.push_back(ch.get());
    }
    if (dirty.empty()) return;
    std::atomic<std::size_t> next{0};
    auto work = [&] {
        for (std::size_t i; (i = next.fetch_add(1)) < dirty.size();) measure_channel(*dirty[i]);
    };
    const std::size_t helpers = std::min<std::size_t>(dirty.size(), std::max(1u, std::thread::hardware_concurrency())) - 1;
    std::vector<std::thread> pool;
    for (std::size_t t = 0; t < helpers; ++t) pool.emplace_back(work);
    work();
    for (auto& t : pool) t.join();
}

void LiveAnalysis::measure_channel(EvokedChannel& ch) {
    const std::size_t n = ch.rec.sweep_count;
    const std::size_t first = n > options_.max_prefix_sweeps ? n - options_.max_prefix_sweeps : 0;
    std::optional<Recording> window;  // the basis when it is not the whole prefix
    if (first > 0) {
        window.emplace();
        window->info = ch.rec.info;
        window->form = SampleForm::sweeps;
        window->channels = 1;
        window->frames = ch.rec.frames;
        window->pre_trigger_s = ch.rec.pre_trigger_s;
        window->sweep_count = n - first;
        window->samples.assign(ch.rec.samples.begin() + static_cast<std::ptrdiff_t>(first * ch.rec.frames),
                               ch.rec.samples.end());
        window->stimuli.assign(ch.rec.stimuli.begin() + static_cast<std::ptrdiff_t>(first), ch.rec.stimuli.end());
        window->markers = ch.rec.markers;
    }
    const Recording& basis_rec = window ? *window : ch.rec;
    // One measurement of the basis; then each new sweep's fields from it.
    std::optional<evoked::HReflexResult> res;
    std::optional<evoked::FWaveResult> f_res;
    std::optional<Json> ncs_fields_json;
    std::string error;
    try {
        switch (ch.spec->kind) {
            case RecordingKind::h_reflex: res = evoked::measure_h_reflex(basis_rec, ch.subject, options_.h_reflex); break;
            case RecordingKind::f_wave: f_res = evoked::measure_f_wave(basis_rec, options_.f_wave); break;
            default: ncs_fields_json = ncs_fields(evoked::measure_ncs(basis_rec, options_.ncs)); break;
        }
    } catch (const std::exception& e) {
        error = e.what();
    }
    const Json basis = {{"first_sweep", first}, {"sweeps", n - first}};
    for (std::size_t k = ch.evented; k < n; ++k) {
        Json e;
        e["type"] = "sweep";
        e["t"] = ch.rec.stimuli[k].time_s;
        e["channel"] = ch.spec->name;
        e["kind"] = std::string(to_string(ch.spec->kind));
        e["sweep_index"] = k;
        if (res && k - first < res->sweeps.size()) {
            merge_fields(e, h_sweep_fields(res->sweeps[k - first]));
        } else if (f_res && k - first < f_res->sweeps.size()) {
            e["intensity_ma"] = number_or_null(ch.rec.stimuli[k].intensity_ma);
            merge_fields(e, f_sweep_fields(f_res->sweeps[k - first]));
        } else if (ncs_fields_json) {
            // NCS are measured on the aligned response of the sweeps, not sweep by sweep.
            e["intensity_ma"] = number_or_null(ch.rec.stimuli[k].intensity_ma);
            merge_fields(e, *ncs_fields_json);
        } else {
            e["intensity_ma"] = number_or_null(ch.rec.stimuli[k].intensity_ma);
            for (const auto& key : sweep_field_names(ch.spec->kind)) e[key] = nullptr;
            e["error"] = error.empty() ? "not measured" : error;
        }
        e["missing_data"] = ch.missing[k] != 0;
        e["measured_with"] = basis;
        emit(std::move(e));
    }
    ch.evented = n;
    if (!res || !evoked::has_fair_protocol(basis_rec, options_.fair)) return;

    auto course = std::make_shared<evoked::FairTimeCourse>(evoked::fair_time_course(basis_rec, *res));
    const double t = ch.rec.stimuli[n - 1].time_s;
    const std::string name = ch.spec->name;
    const evoked::FairOptions fair = options_.fair;
    EventQueue* events = &events_;
    auto job = [course, t, name, fair, basis, events] {
        Json e;
        e["type"] = "fair_delay";
        e["t"] = t;
        e["channel"] = name;
        try {
            const auto analysis = evoked::analyze_fair(*course, fair);
            merge_fields(e, fair_delay_fields(analysis.estimate));
        } catch (const std::exception& ex) {
            e["status"] = "error";
            e["error"] = ex.what();
        }
        e["measured_with"] = basis;
        events->push(event_line(e));
    };
    if (background_) {
        background_->post_latest(ch.lane, std::move(job));
    } else {
        job();
    }
}

Json LiveAnalysis::final_measure(EvokedChannel& ch, Json& fair_out, std::vector<std::string>& notes) {
    if (ch.spec->kind == RecordingKind::h_reflex) return final_h_reflex(ch, fair_out, notes);
    Json out;
    if (ch.rec.sweep_count == 0) {
        out["recording"] = ch.spec->name;
        out["sweeps_total"] = 0;
        out["error"] = "no sweep was received";
        return out;
    }
    try {
        out = ch.spec->kind == RecordingKind::f_wave ? f_wave_json(evoked::measure_f_wave(ch.rec, options_.f_wave))
                                                     : ncs_json(evoked::measure_ncs(ch.rec, options_.ncs));
    } catch (const std::exception& e) {
        out["recording"] = ch.spec->name;
        out["sweeps_total"] = ch.rec.sweep_count;
        out["error"] = e.what();
        notes.push_back(ch.spec->name + ": not measured: " + e.what());
        return out;
    }
    out["sweeps_with_missing_data"] = ch.missing_sweeps;
    return out;
}

Json LiveAnalysis::final_h_reflex(EvokedChannel& ch, Json& fair_out, std::vector<std::string>& notes) {
    Json out;
    if (ch.rec.sweep_count == 0) {
        out["recording"] = ch.spec->name;
        out["sweeps_total"] = 0;
        out["error"] = "no sweep was received";
        return out;
    }
    evoked::HReflexResult res;
    try {
        res = evoked::measure_h_reflex(ch.rec, ch.subject, options_.h_reflex);
    } catch (const std::exception& e) {
        out["recording"] = ch.spec->name;
        out["sweeps_total"] = ch.rec.sweep_count;
        out["error"] = e.what();
        notes.push_back(ch.spec->name + ": not measured: " + e.what());
        return out;
    }
    out = h_reflex_json(res);
    out["sweeps_with_missing_data"] = ch.missing_sweeps;
    if (!evoked::has_fair_protocol(ch.rec, options_.fair)) return out;

    Json fair;
    fair["channel"] = ch.spec->name;
    Json event;
    event["type"] = "fair_delay";
    event["t"] = ch.rec.stimuli.back().time_s;
    event["channel"] = ch.spec->name;
    try {
        const auto analysis = evoked::analyze_fair(evoked::fair_time_course(ch.rec, res), options_.fair);
        fair["estimate"] = fair_delay_fields(analysis.estimate);
        fair["analysis"] = evoked::to_json(analysis);
        merge_fields(event, fair_delay_fields(analysis.estimate));
    } catch (const std::exception& e) {
        fair["error"] = e.what();
        event["status"] = "error";
        event["error"] = e.what();
    }
    event["measured_with"] = {{"first_sweep", 0}, {"sweeps", ch.rec.sweep_count}};
    event["final"] = true;
    emit(std::move(event));
    fair_out = std::move(fair);
    return out;
}

Study LiveAnalysis::build_study(std::vector<std::string>& notes) const {
    Study study;
    study.subject_id = header_.subject_id;
    study.subject = header_.subject;
    for (const auto& ch : evoked_) {
        if (ch->rec.sweep_count == 0) {
            notes.push_back(ch->spec->name + ": no sweep received, not written to the results file");
            continue;
        }
        study.recordings.push_back(ch->rec);
    }
    if (options_.keep_samples) {
        for (const auto& ch : continuous_) {
            if (ch->kept.empty()) {
                notes.push_back(ch->spec->name + ": no sample received, not written to the results file");
                continue;
            }
            Recording r;
            r.info.name = ch->spec->name;
            r.info.kind = ch->spec->kind;
            r.info.sample_rate_hz = rate_;
            r.info.units = canonical_units(ch->spec->kind);
            r.info.muscle = ch->spec->muscle;
            r.info.nerve = ch->spec->nerve;
            r.info.side = ch->spec->side;
            r.info.stim_site = ch->spec->stim_site;
            r.info.distance_mm = ch->spec->distance_mm;
            r.info.subject = ch->spec->subject;
            r.form = SampleForm::continuous;
            r.channels = 1;
            r.frames = ch->kept.size();
            r.samples = ch->kept;
            r.markers = markers_;
            study.recordings.push_back(std::move(r));
        }
        if (kept_truncated_) {
            notes.push_back("continuous samples beyond " + std::to_string(options_.max_kept_samples) +
                            " samples (all channels) were not kept in the results file");
        }
    }
    return study;
}

SessionResults LiveAnalysis::finish(SessionEnd end, const StreamCounts& counts, const Json& error, bool want_study) {
    flush_windows();
    measure_pending();
    if (background_) background_->drain();

    SessionResults out;
    Json h_reflex = Json::array();
    Json fair = Json::array();
    Json f_wave = Json::array();
    Json ncs = Json::array();
    // The final measurements are independent per channel: run them on every
    // core (the input is over, nothing else competes), in channel order in the results.
    struct Final {
        Json h, fair;
        std::vector<std::string> notes;
    };
    std::vector<Final> finals(evoked_.size());
    {
        std::atomic<std::size_t> next{0};
        auto work = [&] {
            for (std::size_t i; (i = next.fetch_add(1)) < evoked_.size();) {
                finals[i].h = final_measure(*evoked_[i], finals[i].fair, finals[i].notes);
            }
        };
        const std::size_t helpers = std::min<std::size_t>(evoked_.size(), std::max(1u, std::thread::hardware_concurrency())) - (evoked_.empty() ? 0 : 1);
        std::vector<std::thread> pool;
        for (std::size_t t = 0; t < helpers; ++t) pool.emplace_back(work);
        if (!evoked_.empty()) work();
        for (auto& t : pool) t.join();
    }
    for (std::size_t i = 0; i < evoked_.size(); ++i) {
        auto& ch = evoked_[i];
        out.notes.insert(out.notes.end(), finals[i].notes.begin(), finals[i].notes.end());
        switch (ch->spec->kind) {
            case RecordingKind::h_reflex:
                h_reflex.push_back(std::move(finals[i].h));
                if (!finals[i].fair.is_null()) fair.push_back(std::move(finals[i].fair));
                break;
            case RecordingKind::f_wave: f_wave.push_back(std::move(finals[i].h)); break;
            default: ncs.push_back(std::move(finals[i].h)); break;
        }
    }
    Json spontaneous = Json::array();
    for (const auto& ch : continuous_) {
        if (!ch->needle) continue;
        std::lock_guard lock(ch->totals->mutex);
        const auto& t = *ch->totals;
        Json j;
        j["channel"] = ch->spec->name;
        j["rest_s_analysed"] = t.rest_s;
        j["windows"] = t.windows;
        Json counts_json, per_minute;
        for (std::size_t i = 0; i < kClasses.size(); ++i) {
            const std::string key(emg::to_string(kClasses[i]));
            counts_json[key] = t.counts[i];
            per_minute[key] = t.rest_s > 0 ? Json(static_cast<double>(t.counts[i]) * 60.0 / t.rest_s) : Json(nullptr);
        }
        j["discharges"] = std::move(counts_json);
        j["per_minute"] = std::move(per_minute);
        j["max_window_grade"] = t.max_grade;
        j["windows_failed"] = t.failures;
        if (t.failures > 0) j["last_failure"] = t.last_failure;
        spontaneous.push_back(std::move(j));
    }
    if (short_rest_stretches_ > 0) {
        out.notes.push_back(std::to_string(short_rest_stretches_) + " stretches at rest shorter than " +
                            std::to_string(options_.emg_min_window_s) + " s were not analysed for spontaneous activity");
    }

    std::optional<Study> study;
    if (want_study || options_.keep_samples) {
        Study s = build_study(out.notes);
        if (!s.recordings.empty()) study = std::move(s);
    }

    Json summary;
    summary["type"] = "summary";
    summary["t"] = seconds(counts.position);
    summary["ended"] = std::string(to_string(end));
    if (!error.is_null()) summary["error"] = error;
    summary["counts"] = {{"samples", counts.frames},
                         {"non_finite_samples", counts.non_finite_samples},
                         {"gaps", counts.gaps},
                         {"gap_samples", counts.gap_frames},
                         {"overlaps", counts.overlaps},
                         {"overlap_samples_ignored", counts.overlap_frames},
                         {"stimuli", counts.stimuli},
                         {"stimuli_refused", counts.stimuli_refused},
                         {"sweeps", stimuli_sweeps_},
                         {"sweeps_incomplete", counts.sweeps_incomplete},
                         {"markers", counts.markers},
                         {"events_dropped", events_.dropped()}};  // every event but the summary is out by now
    summary["results"] = {{"h_reflex", std::move(h_reflex)},
                          {"fair", std::move(fair)},
                          {"f_wave", std::move(f_wave)},
                          {"ncs", std::move(ncs)},
                          {"spontaneous", std::move(spontaneous)}};
    summary["notes"] = out.notes;
    if (study) study->results_json = event_line(summary);
    out.summary = std::move(summary);
    out.study = std::move(study);
    return out;
}

}  // namespace edx::stream
