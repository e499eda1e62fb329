#include "edx/emg/needle_emg_analysis.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace edx::emg {

namespace {

// Stretches of one channel shorter than this are not analysed.
constexpr double min_segment_s = 0.5;

struct Span {
    std::string contraction;
    double start_s, end_s;
};

// The contraction segments of a recording: from each contraction marker to
// the next (or the end); without any, the whole recording at rest.
std::vector<Span> contraction_spans(const Recording& r, std::vector<std::string>& notes) {
    std::vector<Span> spans;
    const double end = r.duration_s();
    std::vector<std::pair<double, std::string>> marks;
    for (const auto& m : r.markers) {
        if (auto v = m.value_of("contraction")) marks.emplace_back(m.time_s, std::string(*v));
    }
    if (marks.empty()) {
        spans.push_back({"rest", 0.0, end});
        notes.push_back("no contraction markers: the whole recording is read as rest");
        return spans;
    }
    if (marks.front().first > 0.0) notes.push_back("0.0-" + std::to_string(marks.front().first) + " s before the first contraction marker: not analysed");
    for (std::size_t i = 0; i < marks.size(); ++i) {
        const double to = i + 1 < marks.size() ? marks[i + 1].first : end;
        if (!(to > marks[i].first)) continue;
        if (marks[i].second == "rest" || marks[i].second == "minimal") {
            spans.push_back({marks[i].second, marks[i].first, to});
        } else {
            notes.push_back("contraction=" + marks[i].second + " segment " + std::to_string(marks[i].first) + "-" +
                            std::to_string(to) + " s: not analysed (MUAPs are measured at minimal effort, spontaneous activity at rest)");
        }
    }
    return spans;
}

std::string fixed(double v, int digits) {
    char b[48];
    std::snprintf(b, sizeof b, "%.*f", digits, v);
    return b;
}

nlohmann::ordered_json optional_json(const std::optional<double>& v) { return v ? nlohmann::ordered_json(*v) : nlohmann::ordered_json(nullptr); }

}  // namespace

NeedleEmgConfig NeedleEmgConfig::from_tables() {
    NeedleEmgConfig c;
    c.spontaneous = SpontaneousCriteria::from_tables();
    c.decomposition = DecompositionCriteria::from_table();
    c.units = UnitAnalysisCriteria::from_tables();
    c.call = CallCriteria::from_table();
    return c;
}

void NeedleEmgConfig::validate() const {
    spontaneous.validate();
    decomposition.validate();
    units.validate();
    call.validate();
}

NeedleEmgResult analyse_needle_emg(const Recording& rec, const NeedleEmgConfig& config) {
    config.validate();
    if (rec.info.kind != RecordingKind::needle_emg) {
        throw std::invalid_argument("analyse_needle_emg: recording '" + rec.info.name + "' is " +
                                    std::string(to_string(rec.info.kind)) + ", not needle_emg");
    }
    if (rec.form != SampleForm::continuous) {
        throw std::invalid_argument("analyse_needle_emg: recording '" + rec.info.name + "' is in sweep form; needle EMG is continuous");
    }
    if (rec.info.units != Units::uV) {
        throw std::invalid_argument("analyse_needle_emg: recording '" + rec.info.name + "' must hold uV (the reader converts needle EMG to uV)");
    }
    NeedleEmgResult out;
    out.name = rec.info.name;
    out.muscle = rec.info.muscle;
    out.side = rec.info.side;
    out.sample_rate_hz = rec.info.sample_rate_hz;
    out.channels = rec.channels;
    out.needle = config.needle;
    out.needle_assumed = !config.needle_given;
    const double fs = rec.info.sample_rate_hz;
    const auto spans = contraction_spans(rec, out.notes);

    std::vector<float> channel(rec.frames);
    for (std::size_t c = 0; c < rec.channels; ++c) {
        for (std::size_t i = 0; i < rec.frames; ++i) channel[i] = rec.samples[i * rec.channels + c];
        for (const auto& span : spans) {
            const auto a = static_cast<std::size_t>(std::clamp(std::lround(span.start_s * fs), 0L, static_cast<long>(rec.frames)));
            const auto b = static_cast<std::size_t>(std::clamp(std::lround(span.end_s * fs), 0L, static_cast<long>(rec.frames)));
            // Finite stretches only: non-finite samples split a segment.
            std::size_t i = a;
            while (i < b) {
                while (i < b && !std::isfinite(channel[i])) ++i;
                std::size_t j = i;
                while (j < b && std::isfinite(channel[j])) ++j;
                if (j > i) {
                    const std::span<const float> samples(channel.data() + i, j - i);
                    const SegmentInfo seg{span.contraction, c, static_cast<double>(i) / fs, static_cast<double>(j) / fs};
                    if (static_cast<double>(j - i) < min_segment_s * fs) {
                        out.notes.push_back("channel " + std::to_string(c) + ", " + span.contraction + " " + fixed(seg.start_s, 2) + "-" +
                                            fixed(seg.end_s, 2) + " s: shorter than " + fixed(min_segment_s, 1) + " s, not analysed");
                    } else if (span.contraction == "rest") {
                        out.spontaneous_sites.push_back({seg, analyse_spontaneous(samples, fs, seg.start_s, config.spontaneous)});
                    } else {
                        MuapSite site;
                        site.segment = seg;
                        site.decomposition = decompose_muaps(samples, fs, seg.start_s, config.decomposition);
                        site.units = analyse_units(site.decomposition, config.units);
                        site.summary = summarise_units(site.units, site.decomposition);
                        out.muap_sites.push_back(std::move(site));
                    }
                }
                i = j;
            }
        }
    }
    if (rec.non_finite.count > 0) {
        out.notes.push_back(std::to_string(rec.non_finite.count) + " non-finite samples: the stretches around them were analysed apart");
    }

    if (!out.spontaneous_sites.empty()) {
        SpontaneousSummary s;
        std::size_t fib = 0, psw = 0, fasc = 0, crd = 0;
        for (const auto& site : out.spontaneous_sites) {
            const auto& r = site.result;
            s.rest_s += r.duration_s;
            fib += r.count(SpontaneousClass::fibrillation);
            psw += r.count(SpontaneousClass::positive_sharp_wave);
            fasc += r.count(SpontaneousClass::fasciculation);
            crd += r.count(SpontaneousClass::complex_repetitive_discharge);
            s.graded_trains = std::max(s.graded_trains, r.graded_trains);
            s.grade = std::max(s.grade, r.grade);
        }
        const double per_min = s.rest_s > 0.0 ? 60.0 / s.rest_s : 0.0;
        s.fibrillations_per_min = static_cast<double>(fib) * per_min;
        s.psw_per_min = static_cast<double>(psw) * per_min;
        s.fasciculations_per_min = static_cast<double>(fasc) * per_min;
        s.crd_per_min = static_cast<double>(crd) * per_min;
        out.spontaneous = s;
    }

    // MUAPs pooled over the sites; recruitment from the site whose fastest unit fires fastest.
    if (!out.muap_sites.empty()) {
        std::vector<MotorUnitResult> all;
        const MuapSite* fastest = nullptr;
        for (const auto& site : out.muap_sites) {
            all.insert(all.end(), site.units.begin(), site.units.end());
            if (site.summary.recruitment.fastest_rate_hz &&
                (!fastest || *site.summary.recruitment.fastest_rate_hz > *fastest->summary.recruitment.fastest_rate_hz)) {
                fastest = &site;
            }
        }
        out.muap = summarise_units(all, out.muap_sites.front().decomposition);
        out.muap.recruitment = fastest ? fastest->summary.recruitment : Recruitment{};
        out.call = call_muscle(out.muap, out.muscle, out.needle, config.call);
    } else {
        out.call.call = MuscleCall::insufficient_data;
        out.call.reasons.push_back("no contraction=minimal segment: motor units were not analysed");
        out.call.limits = normal_limits(out.muscle, out.needle);
    }
    if (out.needle_assumed) {
        out.call.notes.push_back("needle taken to be concentric: the recording does not say (edx emg --needle to set it)");
    }
    return out;
}

MuscleFinding muscle_finding(const NeedleEmgResult& r) {
    MuscleFinding f;
    f.muscle = r.muscle;
    f.side = r.side;
    const int grade = r.spontaneous ? r.spontaneous->grade : 0;
    const bool neuropathic = r.call.call == MuscleCall::neuropathic;
    f.abnormal = grade >= 1 || neuropathic;
    std::string s;
    if (r.spontaneous) s = "fibrillations/PSW " + grade_label(grade);
    if (r.call.call != MuscleCall::insufficient_data) s += std::string(s.empty() ? "" : ", ") + std::string(to_string(r.call.call)) + " MUAPs";
    f.summary = s;
    return f;
}

StudyEmgResult analyse_study_emg(const Study& study, const std::vector<SnapFinding>& snaps, const NeedleEmgConfig& config) {
    StudyEmgResult out;
    out.snaps = snaps;
    std::vector<MuscleFinding> findings;
    for (const auto& rec : study.recordings) {
        if (rec.info.kind != RecordingKind::needle_emg) continue;
        out.recordings.push_back(analyse_needle_emg(rec, config));
        findings.push_back(muscle_finding(out.recordings.back()));
    }
    out.localisations = localise(findings, snaps);
    return out;
}

nlohmann::ordered_json to_json(const NeedleEmgResult& r) {
    using J = nlohmann::ordered_json;
    J j;
    j["name"] = r.name;
    j["muscle"] = r.muscle;
    j["side"] = r.side;
    j["needle"] = {{"type", to_string(r.needle)}, {"assumed", r.needle_assumed}};
    if (r.spontaneous) {
        const auto& s = *r.spontaneous;
        J trains = J::array();
        for (const auto& site : r.spontaneous_sites) {
            for (const auto& t : site.result.trains) {
                trains.push_back({{"channel", site.segment.channel},
                                  {"class", to_string(t.kind)},
                                  {"discharges", t.times_s.size()},
                                  {"rate_hz", t.rate_hz},
                                  {"cv2", t.cv2},
                                  {"first_s", t.times_s.front()},
                                  {"last_s", t.times_s.back()},
                                  {"graded", t.graded},
                                  {"amplitude_uv", t.parameters.amplitude_uv},
                                  {"reason", t.reason}});
            }
        }
        j["spontaneous"] = {{"rest_s", s.rest_s},
                            {"fibrillations_per_min", s.fibrillations_per_min},
                            {"psw_per_min", s.psw_per_min},
                            {"fasciculations_per_min", s.fasciculations_per_min},
                            {"crd_per_min", s.crd_per_min},
                            {"graded_trains", s.graded_trains},
                            {"grade", s.grade},
                            {"grade_label", grade_label(s.grade)},
                            {"trains", trains}};
    } else {
        j["spontaneous"] = nullptr;
    }
    J units = J::array();
    for (const auto& site : r.muap_sites) {
        for (const auto& u : site.units) {
            J ju = {{"channel", site.segment.channel},
                    {"discharges", u.times_s.size()},
                    {"first_discharge_s", u.first_discharge_s},
                    {"rate_hz", u.rate_hz},
                    {"amplitude_uv", u.parameters.amplitude_uv},
                    {"duration_ms", u.parameters.duration_ms},
                    {"phases", u.parameters.phases},
                    {"turns", u.parameters.turns},
                    {"area_uv_ms", u.parameters.area_uv_ms},
                    {"polyphasic", u.polyphasic},
                    {"measurement_level_uv", u.measurement_level_uv},
                    {"voluntary", u.voluntary}};
            if (!u.note.empty()) ju["note"] = u.note;
            units.push_back(ju);
        }
    }
    j["muap"] = {{"n_units", r.muap.n_units},
                 {"mean_amplitude_uv", optional_json(r.muap.mean_amplitude_uv)},
                 {"mean_duration_ms", optional_json(r.muap.mean_duration_ms)},
                 {"percent_polyphasic", optional_json(r.muap.percent_polyphasic)},
                 {"mean_phases", optional_json(r.muap.mean_phases)},
                 {"mean_turns", optional_json(r.muap.mean_turns)},
                 {"mean_area_uv_ms", optional_json(r.muap.mean_area_uv_ms)},
                 {"fastest_rate_hz", optional_json(r.muap.recruitment.fastest_rate_hz)},
                 {"recruitment_ratio", optional_json(r.muap.recruitment.recruitment_ratio)},
                 {"recruitment_frequency_hz", optional_json(r.muap.recruitment.recruitment_frequency_hz)},
                 {"units", units}};
    j["call"] = to_string(r.call.call);
    const auto& l = r.call.limits;
    j["call_detail"] = {{"reasons", r.call.reasons},
                        {"notes", r.call.notes},
                        {"limits",
                         {{"reference_set", l.reference_set},
                          {"status", l.status},
                          {"source", l.source},
                          {"note", l.note},
                          {"amplitude_uv", {{"lln", optional_json(l.amplitude_lln_uv)}, {"uln", optional_json(l.amplitude_uln_uv)}}},
                          {"duration_ms", {{"lln", optional_json(l.duration_lln_ms)}, {"uln", optional_json(l.duration_uln_ms)}}},
                          {"percent_polyphasic_uln", optional_json(l.polyphasic_uln_percent)}}}};
    j["notes"] = r.notes;
    return j;
}

nlohmann::ordered_json to_json(const StudyEmgResult& r) {
    using J = nlohmann::ordered_json;
    J j;
    j["recordings"] = J::array();
    for (const auto& rec : r.recordings) j["recordings"].push_back(to_json(rec));
    j["snaps"] = J::array();
    for (const auto& s : r.snaps) {
        j["snaps"].push_back({{"nerve", s.nerve},
                              {"side", s.side},
                              {"amplitude_ratio", optional_json(s.amplitude_ratio)},
                              {"reduced", s.reduced ? J(*s.reduced) : J(nullptr)}});
    }
    j["localisation"] = J::array();
    for (const auto& loc : r.localisations) {
        J ranked = J::array();
        for (const auto& s : loc.ranked) {
            ranked.push_back({{"site", s.site}, {"label", s.label}, {"score", s.score}, {"for", s.for_site}, {"against", s.against_site}});
        }
        j["localisation"].push_back({{"side", loc.side}, {"pattern", loc.pattern}, {"ranked", ranked}, {"ignored", loc.ignored}});
    }
    return j;
}

}  // namespace edx::emg
