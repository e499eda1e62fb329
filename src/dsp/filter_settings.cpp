#include "edx/dsp/filter_settings.hpp"

#include <sstream>
#include <stdexcept>

#include "edx/dsp/butterworth.hpp"
#include "edx/dsp/notch.hpp"
#include "edx/signals/table.hpp"

namespace edx::dsp {

namespace {
constexpr std::string_view kTable = "filters/machine_defaults.json";
}

std::string FilterSettings::describe() const {
    std::ostringstream s;
    const char* sep = "";
    if (bandpass_hz) {
        s << "band-pass " << bandpass_hz->first << "-" << bandpass_hz->second << " Hz";
        sep = ", ";
    }
    if (highpass_hz) {
        s << sep << "high-pass " << *highpass_hz << " Hz";
        sep = ", ";
    }
    if (lowpass_hz) {
        s << sep << "low-pass " << *lowpass_hz << " Hz";
        sep = ", ";
    }
    if (bandpass_hz || highpass_hz || lowpass_hz) {
        s << sep << "Butterworth order " << order;
        sep = ", ";
    }
    if (notch_hz) {
        s << sep << "notch " << *notch_hz << " Hz";
        if (notch_harmonics > 0) s << " + " << notch_harmonics << " harmonic" << (notch_harmonics > 1 ? "s" : "");
        s << " (Q " << notch_quality << ")";
        sep = ", ";
    }
    if (empty()) s << "no filter";
    s << (zero_phase ? ", zero-phase" : ", causal");
    return s.str();
}

SosCascade design_filter(const FilterSettings& settings, double sample_rate_hz) {
    if (settings.bandpass_hz && (settings.highpass_hz || settings.lowpass_hz)) {
        throw std::invalid_argument("give either a band-pass or high-/low-pass corners, not both");
    }
    SosCascade cascade;
    if (settings.highpass_hz) {
        cascade = cascade.then(butterworth_highpass(settings.order, *settings.highpass_hz, sample_rate_hz));
    }
    if (settings.lowpass_hz) {
        cascade = cascade.then(butterworth_lowpass(settings.order, *settings.lowpass_hz, sample_rate_hz));
    }
    if (settings.bandpass_hz) {
        cascade = cascade.then(butterworth_bandpass(settings.order, settings.bandpass_hz->first,
                                                    settings.bandpass_hz->second, sample_rate_hz));
    }
    if (settings.notch_hz) {
        cascade = cascade.then(
            mains_notch({*settings.notch_hz, settings.notch_harmonics, settings.notch_quality}, sample_rate_hz));
    }
    return cascade;
}

std::optional<KindFilterDefaults> default_filter_settings(std::string_view kind) {
    const auto& table = signals::table(kTable);
    const auto& kinds = table.at("kinds");
    const std::string key(kind);
    if (!kinds.contains(key)) return std::nullopt;
    const auto& entry = kinds.at(key);
    KindFilterDefaults d;
    d.settings.highpass_hz = entry.at("highpass_hz").at("value").get<double>();
    d.settings.lowpass_hz = entry.at("lowpass_hz").at("value").get<double>();
    d.settings.order = static_cast<int>(signals::constant(kTable, "/butterworth_order"));
    const bool verified = entry.at("highpass_hz").at("status") == "verified" &&
                          entry.at("lowpass_hz").at("status") == "verified";
    d.status = verified ? "verified" : "unverified";
    d.sources = entry.at("highpass_hz").at("source").get<std::string>();
    if (entry.at("lowpass_hz").at("source") != entry.at("highpass_hz").at("source")) {
        d.sources += ", " + entry.at("lowpass_hz").at("source").get<std::string>();
    }
    d.note = entry.at("highpass_hz").at("note").get<std::string>() + " " +
             entry.at("lowpass_hz").at("note").get<std::string>();
    return d;
}

}  // namespace edx::dsp
