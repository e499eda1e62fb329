#include "edx/stream/session_header.hpp"

#include <cmath>
#include <set>
#include <sstream>

#include "edx/io/input_error.hpp"

namespace edx::stream {

namespace {

using json = nlohmann::json;

std::string number_text(double x) {
    std::ostringstream s;
    s << x;
    return s.str();
}

class Fields {
public:
    Fields(const std::string& source, std::string where) : source_(source), where_(std::move(where)) {}

    [[noreturn]] void fail(const std::string& rule) const { throw InputError(source_, "header", where_ + rule); }

    const json* find(const json& object, const char* key) const {
        const auto it = object.find(key);
        return it == object.end() ? nullptr : &*it;
    }
    const json& require(const json& object, const char* key) const {
        const json* v = find(object, key);
        if (!v) fail(std::string("field \"") + key + "\" is missing");
        return *v;
    }
    std::string string(const json& v, const char* key) const {
        if (!v.is_string()) fail(std::string("field \"") + key + "\" must be a string");
        return v.get<std::string>();
    }
    double number(const json& v, const char* key) const {
        if (!v.is_number()) fail(std::string("field \"") + key + "\" must be a number");
        const double x = v.get<double>();
        if (!std::isfinite(x)) fail(std::string("field \"") + key + "\" must be finite");
        return x;
    }
    std::optional<std::string> optional_string(const json& object, const char* key) const {
        const json* v = find(object, key);
        if (!v || v->is_null()) return std::nullopt;
        return string(*v, key);
    }
    std::optional<double> optional_number(const json& object, const char* key) const {
        const json* v = find(object, key);
        if (!v || v->is_null()) return std::nullopt;
        return number(*v, key);
    }
    std::optional<double> optional_positive(const json& object, const char* key) const {
        const auto x = optional_number(object, key);
        if (x && !(*x > 0.0)) fail(std::string("field \"") + key + "\" must be > 0, got " + number_text(*x));
        return x;
    }
    SubjectMeasures subject(const json& object) const {
        SubjectMeasures s;
        s.height_cm = optional_positive(object, "subject_height_cm");
        s.age_years = optional_positive(object, "subject_age_years");
        s.leg_length_cm = optional_positive(object, "leg_length_cm");
        return s;
    }

private:
    const std::string& source_;
    std::string where_;
};

ChannelSpec parse_channel(const json& c, std::size_t index, SampleType type, const std::string& source) {
    const Fields f(source, "channels[" + std::to_string(index) + "]: ");
    if (!c.is_object()) f.fail("must be an object");
    ChannelSpec ch;
    ch.name = f.string(f.require(c, "name"), "name");
    if (ch.name.empty() || ch.name.find('/') != std::string::npos || ch.name == "." || ch.name == "..") {
        f.fail("field \"name\" must be non-empty, without '/', and not '.' or '..'");
    }
    const Fields g(source, "channel \"" + ch.name + "\": ");
    const std::string kind = g.string(g.require(c, "kind"), "kind");
    const auto k = parse_recording_kind(kind);
    if (!k) {
        g.fail("field \"kind\" must be h_reflex, f_wave, motor_ncs, sensory_ncs, needle_emg or surface_emg, got \"" +
               kind + "\"");
    }
    ch.kind = *k;
    const std::string units = g.string(g.require(c, "units"), "units");
    const auto u = parse_units(units);
    if (!u) g.fail("field \"units\" must be V, mV or uV, got \"" + units + "\"");
    ch.units = *u;
    // As in the HDF5 layout: integer samples need a scale, float samples may omit it.
    const json* scale = type == SampleType::float32 ? f.find(c, "scale") : &g.require(c, "scale");
    if (scale && !scale->is_null()) {
        ch.scale = g.number(*scale, "scale");
        if (ch.scale == 0.0) g.fail("field \"scale\" must be non-zero");
    }
    if (const auto offset = g.optional_number(c, "offset")) ch.offset = *offset;
    ch.muscle = g.optional_string(c, "muscle").value_or("");
    if (ch.muscle.empty() && ch.kind != RecordingKind::sensory_ncs) {
        g.fail("field \"muscle\" is missing (required for every kind but sensory_ncs)");
    }
    ch.nerve = g.optional_string(c, "nerve").value_or("");
    ch.side = g.optional_string(c, "side").value_or("");
    if (!ch.side.empty() && ch.side != "left" && ch.side != "right") {
        g.fail("field \"side\" must be left or right, got \"" + ch.side + "\"");
    }
    ch.stim_site = g.optional_string(c, "stim_site").value_or("");
    ch.distance_mm = g.optional_positive(c, "distance_mm");
    ch.subject = g.subject(c);
    return ch;
}

}  // namespace

std::string_view to_string(SampleType type) noexcept {
    switch (type) {
        case SampleType::int16: return "int16";
        case SampleType::int32: return "int32";
        case SampleType::float32: return "float32";
    }
    return "float32";
}

std::optional<SampleType> parse_sample_type(std::string_view text) noexcept {
    if (text == "int16") return SampleType::int16;
    if (text == "int32") return SampleType::int32;
    if (text == "float32") return SampleType::float32;
    return std::nullopt;
}

std::size_t sample_bytes(SampleType type) noexcept { return type == SampleType::int16 ? 2 : 4; }

bool SessionHeader::has_evoked() const noexcept {
    for (const auto& c : channels) {
        if (is_evoked(c.kind)) return true;
    }
    return false;
}

SessionHeader parse_session_header(std::string_view line, const std::string& source) {
    const Fields f(source, "");
    if (line.size() + 1 > StreamLimits::max_header_bytes) {
        f.fail("the header line is " + std::to_string(line.size() + 1) + " bytes with its newline; at most " +
               std::to_string(StreamLimits::max_header_bytes) + " are allowed");
    }
    json doc;
    try {
        doc = json::parse(line.begin(), line.end());
    } catch (const json::exception& e) {
        // parse_error, and out_of_range for a number beyond double (found by the fuzzer).
        f.fail(std::string("is not JSON (") + e.what() + ")");
    }
    if (!doc.is_object()) f.fail("must be a JSON object");

    SessionHeader h;
    const json& version = f.require(doc, "edx_stream");
    if (!version.is_number_integer()) f.fail("field \"edx_stream\" must be an integer protocol version");
    if (version.get<long long>() != 1) {
        f.fail("unknown protocol version edx_stream=" + version.dump() + " (this engine speaks version 1)");
    }
    h.version = 1;
    h.sample_rate_hz = f.number(f.require(doc, "sample_rate_hz"), "sample_rate_hz");
    if (!(h.sample_rate_hz > 0.0 && h.sample_rate_hz <= StreamLimits::max_sample_rate_hz)) {
        f.fail("field \"sample_rate_hz\" must be > 0 and at most " + number_text(StreamLimits::max_sample_rate_hz) +
               ", got " + number_text(h.sample_rate_hz));
    }
    const std::string type = f.string(f.require(doc, "sample_type"), "sample_type");
    const auto t = parse_sample_type(type);
    if (!t) f.fail("field \"sample_type\" must be int16, int32 or float32, got \"" + type + "\"");
    h.sample_type = *t;

    const json& channels = f.require(doc, "channels");
    if (!channels.is_array() || channels.empty()) f.fail("field \"channels\" must be a non-empty array");
    if (channels.size() > StreamLimits::max_channels) {
        f.fail("field \"channels\" lists " + std::to_string(channels.size()) + " channels; at most " +
               std::to_string(StreamLimits::max_channels) + " are allowed");
    }
    std::set<std::string> names;
    for (std::size_t i = 0; i < channels.size(); ++i) {
        h.channels.push_back(parse_channel(channels[i], i, h.sample_type, source));
        if (!names.insert(h.channels.back().name).second) {
            f.fail("two channels are named \"" + h.channels.back().name + "\"");
        }
    }

    if (const json* sweep = f.find(doc, "sweep"); sweep && !sweep->is_null()) {
        const Fields s(source, "sweep: ");
        if (!sweep->is_object()) s.fail("must be an object {pre_trigger_s, post_trigger_s}");
        h.pre_trigger_s = s.number(s.require(*sweep, "pre_trigger_s"), "pre_trigger_s");
        h.post_trigger_s = s.number(s.require(*sweep, "post_trigger_s"), "post_trigger_s");
        if (*h.pre_trigger_s < 0.0) s.fail("field \"pre_trigger_s\" must be >= 0");
        if (!(*h.post_trigger_s > 0.0)) s.fail("field \"post_trigger_s\" must be > 0");
        if (*h.pre_trigger_s + *h.post_trigger_s > StreamLimits::max_sweep_s) {
            s.fail("a sweep longer than " + number_text(StreamLimits::max_sweep_s) + " s is not accepted");
        }
        if (std::lround(*h.post_trigger_s * h.sample_rate_hz) < 1) {
            s.fail("field \"post_trigger_s\" is shorter than one sample");
        }
    } else if (h.has_evoked()) {
        f.fail("field \"sweep\" is missing (required when a channel is an evoked kind)");
    }
    h.subject_id = f.optional_string(doc, "subject_id").value_or("");
    h.subject = f.subject(doc);
    return h;
}

nlohmann::ordered_json to_json(const SessionHeader& header) {
    nlohmann::ordered_json doc;
    doc["edx_stream"] = header.version;
    doc["sample_rate_hz"] = header.sample_rate_hz;
    doc["sample_type"] = std::string(to_string(header.sample_type));
    auto subject = [](nlohmann::ordered_json& j, const SubjectMeasures& s) {
        if (s.height_cm) j["subject_height_cm"] = *s.height_cm;
        if (s.age_years) j["subject_age_years"] = *s.age_years;
        if (s.leg_length_cm) j["leg_length_cm"] = *s.leg_length_cm;
    };
    doc["channels"] = nlohmann::ordered_json::array();
    for (const auto& c : header.channels) {
        nlohmann::ordered_json j;
        j["name"] = c.name;
        j["kind"] = std::string(to_string(c.kind));
        j["units"] = std::string(to_string(c.units));
        j["scale"] = c.scale;
        j["offset"] = c.offset;
        if (!c.muscle.empty()) j["muscle"] = c.muscle;
        if (!c.nerve.empty()) j["nerve"] = c.nerve;
        if (!c.side.empty()) j["side"] = c.side;
        if (!c.stim_site.empty()) j["stim_site"] = c.stim_site;
        if (c.distance_mm) j["distance_mm"] = *c.distance_mm;
        subject(j, c.subject);
        doc["channels"].push_back(std::move(j));
    }
    if (header.pre_trigger_s && header.post_trigger_s) {
        doc["sweep"] = {{"pre_trigger_s", *header.pre_trigger_s}, {"post_trigger_s", *header.post_trigger_s}};
    }
    if (!header.subject_id.empty()) doc["subject_id"] = header.subject_id;
    subject(doc, header.subject);
    return doc;
}

}  // namespace edx::stream
