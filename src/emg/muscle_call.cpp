#include "edx/emg/muscle_call.hpp"

#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "edx/signals/table.hpp"

namespace edx::emg {

namespace {
constexpr const char* table = "norms/muap_analysis_criteria.json";
constexpr const char* norms_table = "norms/muap_norms.json";

std::string num(double v, const char* unit) {
    char b[48];
    std::snprintf(b, sizeof b, "%.4g %s", v, unit);
    return b;
}

std::string join_sources(const nlohmann::json& source) {
    if (source.is_string()) return source.get<std::string>();
    std::string s;
    for (const auto& k : source) s += (s.empty() ? "" : ", ") + k.get<std::string>();
    return s;
}
}  // namespace

std::string_view to_string(NeedleType needle) noexcept {
    return needle == NeedleType::concentric ? "concentric" : "monopolar";
}

std::optional<NeedleType> parse_needle_type(std::string_view text) noexcept {
    if (text == "concentric") return NeedleType::concentric;
    if (text == "monopolar") return NeedleType::monopolar;
    return std::nullopt;
}

std::string_view to_string(MuscleCall call) noexcept {
    switch (call) {
        case MuscleCall::normal: return "normal";
        case MuscleCall::neuropathic: return "neuropathic";
        case MuscleCall::myopathic: return "myopathic";
        case MuscleCall::insufficient_data: return "insufficient_data";
    }
    return "unknown";
}

std::optional<MuscleCall> parse_muscle_call(std::string_view text) noexcept {
    for (auto c : {MuscleCall::normal, MuscleCall::neuropathic, MuscleCall::myopathic, MuscleCall::insufficient_data}) {
        if (to_string(c) == text) return c;
    }
    return std::nullopt;
}

NormalLimits normal_limits(const std::string& muscle, NeedleType needle) {
    const auto& sets = signals::table(table).at("reference_sets");
    NormalLimits l;
    if (needle == NeedleType::monopolar) {
        const auto& m = sets.at("monopolar");
        l.reference_set = "none";
        l.status = m.at("status").get<std::string>();
        l.source = join_sources(m.at("source"));
        l.note = m.at("note").get<std::string>();
        l.polyphasic_uln_percent = 100.0 * signals::table(norms_table).at("tibialis_anterior").at("polyphasic_fraction").at("uln").get<double>();
        return l;
    }
    std::string set_name;
    for (const auto& [name, set] : sets.items()) {
        if (!set.contains("muscles")) continue;
        for (const auto& mm : set.at("muscles")) {
            if (mm.get<std::string>() == muscle && set.at("needle") == "concentric") set_name = name;
        }
    }
    const auto& other = sets.at("other_muscles_concentric");
    if (set_name.empty()) {
        set_name = other.at("use").get<std::string>();
        l.status = other.at("status").get<std::string>();
        l.source = join_sources(other.at("source"));
        l.note = other.at("note").get<std::string>();
    }
    const auto& set = sets.at(set_name);
    if (l.status.empty()) {
        l.status = set.at("status").get<std::string>();
        l.source = join_sources(set.at("source"));
        l.note = "muscle-specific limits for " + muscle + ", concentric needle";
    }
    l.reference_set = set_name;
    const auto& norms = signals::table(set.at("table").get<std::string>()).at(nlohmann::json::json_pointer(set.at("pointer").get<std::string>()));
    l.amplitude_uln_uv = norms.at("amplitude_uv").at("uln").get<double>();
    l.duration_uln_ms = norms.at("duration_ms").at("uln").get<double>();
    l.polyphasic_uln_percent = 100.0 * norms.at("polyphasic_fraction").at("uln").get<double>();
    l.amplitude_lln_uv = set.at("amplitude_lln_uv").at("value").get<double>();
    l.duration_lln_ms = set.at("duration_lln_ms").at("value").get<double>();
    return l;
}

CallCriteria CallCriteria::from_table() {
    CallCriteria c;
    c.fastest_rate_uln_hz = signals::constant(table, "/recruitment/fastest_rate_uln_hz");
    c.early_min_units = static_cast<int>(std::lround(signals::constant(table, "/recruitment/early_min_units")));
    c.early_max_ratio_hz = signals::constant(table, "/recruitment/early_max_ratio");
    c.size_min_units = static_cast<int>(std::lround(signals::constant(table, "/call/size_min_units")));
    c.validate();
    return c;
}

void CallCriteria::validate() const {
    auto fail = [](const std::string& what) { throw std::invalid_argument("CallCriteria: " + what); };
    if (!(fastest_rate_uln_hz > 0.0)) fail("fastest_rate_uln_hz must be > 0");
    if (early_min_units < 2) fail("early_min_units must be >= 2");
    if (!(early_max_ratio_hz > 0.0)) fail("early_max_ratio_hz must be > 0");
    if (size_min_units < 1) fail("size_min_units must be >= 1");
}

MuscleCallResult call_muscle(const MotorUnitSummary& s, const std::string& muscle, NeedleType needle, const CallCriteria& c) {
    c.validate();
    MuscleCallResult r;
    r.limits = normal_limits(muscle, needle);
    if (s.n_units == 0 || !s.recruitment.fastest_rate_hz) {
        r.call = MuscleCall::insufficient_data;
        r.reasons.push_back("no motor unit was measured at minimal effort");
        return r;
    }
    const double fastest = *s.recruitment.fastest_rate_hz;
    r.reduced_recruitment = fastest > c.fastest_rate_uln_hz;
    r.early_recruitment = s.n_units >= c.early_min_units && fastest / s.n_units <= c.early_max_ratio_hz;
    const std::string limits_said = "limits " + r.limits.reference_set + " [" + r.limits.source + ", " + r.limits.status + "]";

    std::vector<std::string> neuro, myo;
    if (r.reduced_recruitment) {
        neuro.push_back("reduced recruitment: the fastest unit fires at " + num(fastest, "Hz") + ", above " +
                        num(c.fastest_rate_uln_hz, "Hz") + " [Recruit24, verified]");
    }
    if (r.early_recruitment) {
        myo.push_back("early recruitment: " + std::to_string(s.n_units) + " units fire while the fastest is at " +
                      num(fastest, "Hz") + " (recruitment ratio " + num(fastest / s.n_units, "Hz per unit") + ") [Medscape-myo; limits assumption]");
    }
    bool amp_high = false, dur_high = false, amp_low = false, dur_low = false, poly_high = false;
    if (r.limits.polyphasic_uln_percent && s.percent_polyphasic && s.n_units >= c.size_min_units) {
        poly_high = *s.percent_polyphasic > *r.limits.polyphasic_uln_percent;
    }
    if (!r.limits.size_limits()) {
        r.notes.push_back("MUAP size not compared: " + r.limits.note);
    } else if (s.n_units < c.size_min_units) {
        r.notes.push_back("MUAP size not compared: " + std::to_string(s.n_units) + " unit" + (s.n_units == 1 ? "" : "s") +
                          " measured, fewer than " + std::to_string(c.size_min_units) + " (the limits are for a mean of 20 MUPs)");
    } else {
        amp_high = *s.mean_amplitude_uv > *r.limits.amplitude_uln_uv;
        dur_high = *s.mean_duration_ms > *r.limits.duration_uln_ms;
        amp_low = *s.mean_amplitude_uv < *r.limits.amplitude_lln_uv;
        dur_low = *s.mean_duration_ms < *r.limits.duration_lln_ms;
        if (amp_high && dur_high) {
            neuro.push_back("long-duration, high-amplitude MUAPs: mean " + num(*s.mean_amplitude_uv, "uV") + " > " +
                            num(*r.limits.amplitude_uln_uv, "uV") + ", mean " + num(*s.mean_duration_ms, "ms") + " > " +
                            num(*r.limits.duration_uln_ms, "ms") + " (" + limits_said + ") [CCJM-gloss]");
        }
        if (amp_low || dur_low) {
            std::string what;
            if (amp_low) what += "mean amplitude " + num(*s.mean_amplitude_uv, "uV") + " < " + num(*r.limits.amplitude_lln_uv, "uV");
            if (dur_low) what += std::string(what.empty() ? "" : ", ") + "mean duration " + num(*s.mean_duration_ms, "ms") + " < " + num(*r.limits.duration_lln_ms, "ms");
            const std::string finding = "small MUAPs: " + what + " (" + limits_said + "; lower limits inferred) [CCJM-gloss]";
            if (r.early_recruitment || (amp_low && dur_low && poly_high)) myo.push_back(finding);
            else r.notes.push_back(finding + ", without early recruitment or polyphasia: not called myopathic");
        }
        if (amp_high != dur_high) {
            r.notes.push_back(std::string("mean ") + (amp_high ? "amplitude" : "duration") +
                              " above its upper limit alone (" + limits_said + "): not called neuropathic");
        }
    }
    if (poly_high) {
        const std::string finding = num(*s.percent_polyphasic, "%") + " polyphasic, above " + num(*r.limits.polyphasic_uln_percent, "%") +
                                    " [JNNP-TA, " + (r.limits.size_limits() ? r.limits.status : std::string("assumption")) + "]";
        if (!myo.empty()) myo.push_back(finding);
        else r.notes.push_back(finding + ": polyphasia alone is not specific");
    }
    // A myopathic call needs early recruitment with small MUAPs, or all three size signs.
    const bool myopathic = (r.early_recruitment && (amp_low || dur_low)) || (amp_low && dur_low && poly_high);
    const bool neuropathic = r.reduced_recruitment || (amp_high && dur_high);
    if (neuropathic) {
        r.call = MuscleCall::neuropathic;
        r.reasons = neuro;
        if (myopathic) r.notes.push_back("myopathic signs as well: " + myo.front());
    } else if (myopathic) {
        r.call = MuscleCall::myopathic;
        r.reasons = myo;
    } else {
        r.call = MuscleCall::normal;
        r.reasons.push_back("recruitment not reduced: the fastest unit fires at " + num(fastest, "Hz") + " (upper limit " +
                            num(c.fastest_rate_uln_hz, "Hz") + ") [Recruit24, verified]");
        if (r.limits.size_limits() && s.n_units >= c.size_min_units && !amp_high && !dur_high && !amp_low && !dur_low) {
            r.reasons.push_back("mean amplitude " + num(*s.mean_amplitude_uv, "uV") + " and duration " + num(*s.mean_duration_ms, "ms") +
                                " within limits (" + limits_said + ")");
        }
        if (r.early_recruitment) r.notes.push_back(myo.front() + " without small MUAPs: not called myopathic");
    }
    return r;
}

}  // namespace edx::emg
