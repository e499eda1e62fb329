// edx info FILE [--json]: validates a layout-v1 file whole (every header and a
// bounded-memory scan of every recording's samples) and describes it.
#include <cmath>
#include <cstdio>
#include <iostream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli.hpp"
#include "edx/io/layout_reader.hpp"

namespace edx::cli {

namespace {

struct RecordingSummary {
    RecordingHeader header;
    NonFiniteReport non_finite;
};

std::string num(double value, int decimals) {
    char text[64];
    std::snprintf(text, sizeof text, "%.*f", decimals, value);
    return text;
}

std::string general(double value) {
    char text[64];
    std::snprintf(text, sizeof text, "%.10g", value);
    return text;
}

std::string bytes_text(std::uint64_t bytes) {
    const double b = static_cast<double>(bytes);
    if (b >= 1024.0 * 1024.0 * 1024.0) return num(b / (1024.0 * 1024.0 * 1024.0), 2) + " GiB";
    if (b >= 1024.0 * 1024.0) return num(b / (1024.0 * 1024.0), 1) + " MiB";
    if (b >= 1024.0) return num(b / 1024.0, 1) + " KiB";
    return std::to_string(bytes) + " B";
}

std::string join_dims(const std::vector<std::uint64_t>& dims) {
    std::string text;
    for (std::size_t i = 0; i < dims.size(); ++i) text += (i ? " x " : "") + std::to_string(dims[i]);
    return text;
}

std::size_t value_bytes(const std::string& type) { return type == "int16" ? 2 : type == "float64" ? 8 : 4; }

std::uint64_t raw_bytes(const SampleStorageInfo& s) {
    std::uint64_t n = value_bytes(s.type);
    for (auto d : s.shape) n *= d;
    return n;
}

struct IntensityRange {
    std::size_t known = 0;
    double min_ma = std::numeric_limits<double>::infinity();
    double max_ma = -std::numeric_limits<double>::infinity();
};

IntensityRange intensity_range(const std::vector<Stimulus>& stimuli) {
    IntensityRange r;
    for (const auto& s : stimuli) {
        if (std::isnan(s.intensity_ma)) continue;
        ++r.known;
        r.min_ma = std::min(r.min_ma, s.intensity_ma);
        r.max_ma = std::max(r.max_ma, s.intensity_ma);
    }
    return r;
}

bool is_structured(const Marker& m) {
    const auto eq = m.label.find('=');
    return eq != std::string::npos && eq > 0 && eq + 1 < m.label.size();
}

// Time of a non-finite run's first sample, in seconds from the start of the recording.
double run_time_s(const RecordingHeader& h, const NonFiniteRun& run) {
    const double offset_s = static_cast<double>(run.first_sample) / h.info.sample_rate_hz;
    if (h.form == SampleForm::continuous) return offset_s;
    return h.stimuli.at(run.sweep).time_s - h.pre_trigger_s + offset_s;
}

std::string run_text(const RecordingHeader& h, const NonFiniteRun& run) {
    const bool one = run.length == 1;
    const std::string span = one ? std::to_string(run.first_sample)
                                 : std::to_string(run.first_sample) + "-" +
                                       std::to_string(run.first_sample + run.length - 1);
    if (h.form == SampleForm::sweeps) {
        return "sweep " + std::to_string(run.sweep) + (one ? " sample " : " samples ") + span;
    }
    return "channel " + std::to_string(run.channel) + (one ? " frame " : " frames ") + span + " (t=" +
           num(run_time_s(h, run), 4) + " s)";
}

void print_text(std::ostream& out, const LayoutReader& reader, const std::vector<RecordingSummary>& recordings) {
    const Study& study = reader.study_info();
    out << "file        " << reader.path().string() << "\n";
    out << "format      edx-recording, version 1\n";
    std::vector<std::string> subject;
    if (!study.subject_id.empty()) subject.push_back("id " + study.subject_id);
    if (!study.session_start.empty()) subject.push_back("session " + study.session_start);
    if (study.subject.height_cm) subject.push_back("height " + general(*study.subject.height_cm) + " cm");
    if (study.subject.age_years) subject.push_back("age " + general(*study.subject.age_years) + " years");
    if (study.subject.leg_length_cm) subject.push_back("leg length " + general(*study.subject.leg_length_cm) + " cm");
    out << "subject     ";
    for (std::size_t i = 0; i < subject.size(); ++i) out << (i ? ", " : "") << subject[i];
    out << (subject.empty() ? "(not given)\n" : "\n");
    out << "clinical    "
        << (study.clinical_findings_json ? "findings present (" + std::to_string(study.clinical_findings_json->size()) +
                                               " bytes of JSON)"
                                         : std::string("none"))
        << "\n";
    out << "recordings  " << recordings.size() << "\n";

    for (const auto& rec : recordings) {
        const RecordingHeader& h = rec.header;
        const RecordingInfo& info = h.info;
        out << "\n" << info.name << "\n";
        out << "  kind        " << to_string(info.kind) << ", "
            << (h.form == SampleForm::continuous ? "continuous" : "sweeps") << "\n";
        std::vector<std::string> site;
        if (!info.muscle.empty()) site.push_back("muscle " + info.muscle);
        if (!info.nerve.empty()) site.push_back("nerve " + info.nerve);
        if (!info.side.empty()) site.push_back("side " + info.side);
        if (!info.stim_site.empty()) site.push_back("stimulation " + info.stim_site);
        if (info.distance_mm) site.push_back("distance " + general(*info.distance_mm) + " mm");
        if (info.subject.height_cm) site.push_back("height " + general(*info.subject.height_cm) + " cm");
        if (info.subject.age_years) site.push_back("age " + general(*info.subject.age_years) + " years");
        if (info.subject.leg_length_cm) site.push_back("leg length " + general(*info.subject.leg_length_cm) + " cm");
        out << "  site        ";
        for (std::size_t i = 0; i < site.size(); ++i) out << (i ? ", " : "") << site[i];
        out << (site.empty() ? "(not given)\n" : "\n");

        out << "  sampling    " << general(info.sample_rate_hz) << " Hz, ";
        if (h.form == SampleForm::continuous) {
            out << h.channels << (h.channels == 1 ? " channel, " : " channels, ") << h.frames << " frames, duration "
                << num(h.duration_s(), 3) << " s\n";
        } else {
            out << h.sweep_count << " sweeps of " << h.frames << " samples ("
                << num(1e3 * static_cast<double>(h.frames) / info.sample_rate_hz, 2) << " ms), pre-trigger "
                << num(1e3 * h.pre_trigger_s, 2) << " ms, duration " << num(h.duration_s(), 3) << " s\n";
        }

        out << "  stimuli     ";
        if (h.stimuli.empty()) {
            out << "none\n";
        } else {
            const IntensityRange range = intensity_range(h.stimuli);
            out << h.stimuli.size() << ", " << num(h.stimuli.front().time_s, 3) << " to "
                << num(h.stimuli.back().time_s, 3) << " s";
            if (range.known == 0) out << ", intensity not recorded\n";
            else {
                out << ", intensity " << general(range.min_ma) << " to " << general(range.max_ma) << " mA";
                if (range.known < h.stimuli.size()) out << " (" << range.known << " known)";
                out << "\n";
            }
        }

        out << "  markers     " << h.markers.size();
        std::size_t structured = 0;
        for (const auto& m : h.markers) {
            if (!is_structured(m)) continue;
            if (structured++ < 20) out << (structured == 1 ? ": " : ", ") << m.label << " at " << num(m.time_s, 3) << " s";
        }
        if (structured > 20) out << ", ... (" << structured - 20 << " more)";
        if (h.markers.size() > structured) out << "; other labels: " << h.markers.size() - structured;
        out << "\n";

        const SampleStorageInfo& s = h.storage;
        out << "  samples     read in " << to_string(info.units) << "; stored in " << to_string(s.stored_units)
            << " as " << s.type << (s.big_endian ? " big-endian" : "");
        if (s.scale != 1.0 || s.offset != 0.0) out << ", scale " << general(s.scale) << ", offset " << general(s.offset);
        out << "\n";
        out << "  storage     " << s.dataset << " " << join_dims(s.shape) << ", "
            << (s.chunk.empty() ? std::string("not chunked") : "chunks " + join_dims(s.chunk)) << ", filters ";
        for (std::size_t i = 0; i < s.filters.size(); ++i) out << (i ? ", " : "") << s.filters[i];
        out << (s.filters.empty() ? "none" : "") << "; " << bytes_text(s.stored_bytes) << " on disk";
        if (s.stored_bytes > 0) out << " (" << num(static_cast<double>(raw_bytes(s)) / static_cast<double>(s.stored_bytes), 2) << "x)";
        out << "\n";

        const NonFiniteReport& nf = rec.non_finite;
        out << "  non-finite  ";
        if (nf.count == 0) {
            out << "none\n";
        } else {
            out << nf.count << " samples in " << nf.run_count << " runs";
            if (h.form == SampleForm::sweeps) out << ", " << nf.sweeps_affected.size() << " sweeps affected";
            out << "; first: ";
            const std::size_t shown = std::min<std::size_t>(nf.runs.size(), 5);
            for (std::size_t i = 0; i < shown; ++i) out << (i ? "; " : "") << run_text(h, nf.runs[i]);
            if (nf.run_count > shown) out << "; ...";
            out << "\n";
        }
    }
}

nlohmann::ordered_json optional_number(const std::optional<double>& value) {
    return value ? nlohmann::ordered_json(*value) : nlohmann::ordered_json(nullptr);
}

nlohmann::ordered_json measures_json(const SubjectMeasures& m) {
    return {{"height_cm", optional_number(m.height_cm)},
            {"age_years", optional_number(m.age_years)},
            {"leg_length_cm", optional_number(m.leg_length_cm)}};
}

nlohmann::ordered_json to_json(const LayoutReader& reader, const std::vector<RecordingSummary>& recordings) {
    const Study& study = reader.study_info();
    nlohmann::ordered_json doc;
    doc["file"] = reader.path().string();
    doc["format"] = "edx-recording";
    doc["format_version"] = 1;
    doc["subject_id"] = study.subject_id.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(study.subject_id);
    doc["session_start"] = study.session_start.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(study.session_start);
    doc["subject"] = measures_json(study.subject);
    doc["clinical_findings_bytes"] =
        study.clinical_findings_json ? nlohmann::ordered_json(study.clinical_findings_json->size()) : nlohmann::ordered_json(nullptr);
    doc["recordings"] = nlohmann::ordered_json::array();
    for (const auto& rec : recordings) {
        const RecordingHeader& h = rec.header;
        const RecordingInfo& info = h.info;
        nlohmann::ordered_json r;
        r["name"] = info.name;
        r["kind"] = to_string(info.kind);
        r["form"] = h.form == SampleForm::continuous ? "continuous" : "sweeps";
        r["sample_rate_hz"] = info.sample_rate_hz;
        r["units"] = to_string(info.units);
        r["channels"] = h.channels;
        r["frames"] = h.form == SampleForm::continuous ? nlohmann::ordered_json(h.frames) : nlohmann::ordered_json(nullptr);
        r["sweep_count"] = h.form == SampleForm::sweeps ? nlohmann::ordered_json(h.sweep_count) : nlohmann::ordered_json(nullptr);
        r["samples_per_sweep"] = h.form == SampleForm::sweeps ? nlohmann::ordered_json(h.frames) : nlohmann::ordered_json(nullptr);
        r["pre_trigger_s"] = h.form == SampleForm::sweeps ? nlohmann::ordered_json(h.pre_trigger_s) : nlohmann::ordered_json(nullptr);
        r["duration_s"] = h.duration_s();
        auto text_or_null = [](const std::string& s) { return s.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(s); };
        r["muscle"] = text_or_null(info.muscle);
        r["nerve"] = text_or_null(info.nerve);
        r["side"] = text_or_null(info.side);
        r["stim_site"] = text_or_null(info.stim_site);
        r["distance_mm"] = optional_number(info.distance_mm);
        r["subject"] = measures_json(info.subject);

        const IntensityRange range = intensity_range(h.stimuli);
        r["stimuli"] = {{"count", h.stimuli.size()},
                        {"first_time_s", h.stimuli.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(h.stimuli.front().time_s)},
                        {"last_time_s", h.stimuli.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(h.stimuli.back().time_s)},
                        {"intensity_known_count", range.known},
                        {"intensity_min_ma", range.known ? nlohmann::ordered_json(range.min_ma) : nlohmann::ordered_json(nullptr)},
                        {"intensity_max_ma", range.known ? nlohmann::ordered_json(range.max_ma) : nlohmann::ordered_json(nullptr)}};

        nlohmann::ordered_json structured = nlohmann::ordered_json::array();
        nlohmann::ordered_json other = nlohmann::ordered_json::array();
        for (const auto& m : h.markers) {
            if (is_structured(m)) {
                const auto eq = m.label.find('=');
                structured.push_back({{"time_s", m.time_s}, {"key", m.label.substr(0, eq)}, {"value", m.label.substr(eq + 1)}});
            } else {
                other.push_back({{"time_s", m.time_s}, {"label", m.label}});
            }
        }
        r["markers"] = {{"count", h.markers.size()}, {"structured", structured}, {"other", other}};

        const SampleStorageInfo& s = h.storage;
        r["storage"] = {{"dataset", s.dataset},
                        {"type", s.type},
                        {"byte_order", s.big_endian ? "big" : "little"},
                        {"shape", s.shape},
                        {"chunk", s.chunk.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(s.chunk)},
                        {"filters", s.filters},
                        {"stored_units", to_string(s.stored_units)},
                        {"scale", s.scale},
                        {"offset", s.offset},
                        {"stored_bytes", s.stored_bytes},
                        {"raw_bytes", raw_bytes(s)}};

        const NonFiniteReport& nf = rec.non_finite;
        nlohmann::ordered_json runs = nlohmann::ordered_json::array();
        for (const auto& run : nf.runs) {
            runs.push_back({{"sweep", h.form == SampleForm::sweeps ? nlohmann::ordered_json(run.sweep) : nlohmann::ordered_json(nullptr)},
                            {"channel", run.channel},
                            {"first_sample", run.first_sample},
                            {"length", run.length},
                            {"first_time_s", run_time_s(h, run)}});
        }
        r["non_finite"] = {{"count", nf.count},
                           {"run_count", nf.run_count},
                           {"runs_listed", runs},
                           {"sweeps_affected", nf.sweeps_affected}};
        doc["recordings"].push_back(std::move(r));
    }
    return doc;
}

}  // namespace

int run_info(const std::vector<std::string>& args) {
    po::options_description options("options");
    bool json = false;
    options.add_options()("json", po::bool_switch(&json), "print one JSON document instead of text")(
        "file", po::value<std::string>(), "the layout-v1 HDF5 file (also accepted as the first argument)");
    po::positional_options_description positional;
    positional.add("file", 1);
    const auto vm = parse(args, "edx info FILE [--json]",
                          "Checks a recording file against layout v1 (every recording's header, and a scan of\n"
                          "every sample in bounded memory) and describes each recording: kind, form, sampling,\n"
                          "stimuli, markers, site, storage, and where any NaN or infinite samples are.",
                          options, positional);
    if (!vm) return 0;
    if (!vm->count("file")) throw UsageError("missing FILE");

    const LayoutReader reader(vm->at("file").as<std::string>());
    std::vector<RecordingSummary> recordings;
    // Everything is validated before anything is printed: a bad file prints only its error.
    for (const auto& name : reader.recording_names()) {
        recordings.push_back({reader.header(name), reader.scan_non_finite(name)});
    }
    if (json) std::cout << to_json(reader, recordings).dump(2) << "\n";
    else print_text(std::cout, reader, recordings);
    return 0;
}

}  // namespace edx::cli
