// The stream header: the spec's example parses to what it says; every rule of
// section 1 and every limit is refused with a message naming the field.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "edx/io/input_error.hpp"
#include "edx/stream/session_header.hpp"

using namespace edx;
using namespace edx::stream;
using nlohmann::json;

namespace {

// The header of spec/stream-protocol-v1.md, section 1, verbatim.
const char* kSpecExample =
    R"({"edx_stream": 1, "sample_rate_hz": 20000, "sample_type": "int16", "channels": [ {"name": "soleus_left", "kind": "h_reflex", "units": "uV", "scale": 0.5, "offset": 0, "muscle": "soleus", "nerve": "tibial", "side": "left"} ], "sweep": {"pre_trigger_s": 0.01, "post_trigger_s": 0.06}})";

json example() { return json::parse(kSpecExample); }

std::string refusal(const json& header) {
    try {
        parse_session_header(header.dump(), "conn");
    } catch (const InputError& e) {
        CHECK(e.source() == "conn");
        CHECK(e.object() == "header");
        return e.rule();
    }
    return "(accepted)";
}

}  // namespace

TEST_CASE("the spec's example header parses to the values it states", "[stream][header]") {
    const SessionHeader h = parse_session_header(kSpecExample, "test");
    CHECK(h.version == 1);
    CHECK(h.sample_rate_hz == 20000.0);
    CHECK(h.sample_type == SampleType::int16);
    REQUIRE(h.channels.size() == 1);
    const ChannelSpec& c = h.channels[0];
    CHECK(c.name == "soleus_left");
    CHECK(c.kind == RecordingKind::h_reflex);
    CHECK(c.units == Units::uV);
    CHECK(c.scale == 0.5);
    CHECK(c.offset == 0.0);
    CHECK(c.muscle == "soleus");
    CHECK(c.nerve == "tibial");
    CHECK(c.side == "left");
    CHECK(*h.pre_trigger_s == 0.01);
    CHECK(*h.post_trigger_s == 0.06);
    CHECK(h.frame_bytes() == 2);
}

TEST_CASE("a header written by to_json parses back equal", "[stream][header]") {
    json j = example();
    j["channels"].push_back({{"name", "ta"}, {"kind", "needle_emg"}, {"units", "uV"}, {"scale", 0.25}, {"offset", -3},
                             {"muscle", "tibialis_anterior"}, {"distance_mm", 120.5}, {"leg_length_cm", 40}});
    j["subject_id"] = "P-7";
    j["subject_age_years"] = 51;
    const SessionHeader a = parse_session_header(j.dump(), "test");
    const SessionHeader b = parse_session_header(to_json(a).dump(), "test");
    CHECK(to_json(a) == to_json(b));
    CHECK(b.channels[1].offset == -3.0);
    CHECK(*b.channels[1].distance_mm == 120.5);
    CHECK(*b.channels[1].subject.leg_length_cm == 40.0);
    CHECK(*b.subject.age_years == 51.0);
    CHECK(b.subject_id == "P-7");
    CHECK(b.frame_bytes() == 4);
}

TEST_CASE("each broken header rule is refused with the field named", "[stream][header][fault]") {
    CHECK_THAT(refusal(json("not an object")), Catch::Contains("JSON object"));
    {
        json j = example();
        j["edx_stream"] = 2;
        CHECK_THAT(refusal(j), Catch::Contains("unknown protocol version edx_stream=2"));
        j["edx_stream"] = "1";
        CHECK_THAT(refusal(j), Catch::Contains("edx_stream"));
    }
    for (const char* field : {"edx_stream", "sample_rate_hz", "sample_type", "channels", "sweep"}) {
        json j = example();
        j.erase(field);
        INFO(field);
        CHECK_THAT(refusal(j), Catch::Contains(std::string("\"") + field + "\" is missing"));
    }
    for (const char* field : {"name", "kind", "units", "scale", "muscle"}) {
        json j = example();
        j["channels"][0].erase(field);
        INFO(field);
        CHECK_THAT(refusal(j), Catch::Contains(std::string("\"") + field + "\" is missing"));
    }
    {
        json j = example();
        j["sweep"].erase("post_trigger_s");
        CHECK_THAT(refusal(j), Catch::Contains("sweep: field \"post_trigger_s\" is missing"));
    }
    auto with = [](const char* pointer, json value) {
        json j = example();
        j[json::json_pointer(pointer)] = std::move(value);
        return refusal(j);
    };
    CHECK_THAT(with("/sample_rate_hz", 0), Catch::Contains("sample_rate_hz"));
    CHECK_THAT(with("/sample_rate_hz", 2e6), Catch::Contains("sample_rate_hz"));
    CHECK_THAT(with("/sample_type", "int8"), Catch::Contains("sample_type"));
    CHECK_THAT(with("/channels", json::array()), Catch::Contains("non-empty array"));
    CHECK_THAT(with("/channels/0/kind", "eeg"), Catch::Contains("\"kind\""));
    CHECK_THAT(with("/channels/0/units", "nV"), Catch::Contains("\"units\""));
    CHECK_THAT(with("/channels/0/scale", 0), Catch::Contains("non-zero"));
    CHECK_THAT(with("/channels/0/side", "both"), Catch::Contains("side"));
    CHECK_THAT(with("/channels/0/name", "a/b"), Catch::Contains("name"));
    CHECK_THAT(with("/sweep/pre_trigger_s", -0.1), Catch::Contains("pre_trigger_s"));
    CHECK_THAT(with("/sweep/post_trigger_s", 20.0), Catch::Contains("longer than"));
    CHECK_THAT(with("/sweep/post_trigger_s", 1e-6), Catch::Contains("shorter than one sample"));
    {
        json j = example();
        j["channels"].push_back(j["channels"][0]);
        CHECK_THAT(refusal(j), Catch::Contains("two channels are named \"soleus_left\""));
    }
    {
        json j = example();
        j["channels"] = json::array();
        for (int i = 0; i < 257; ++i) {
            json c = example()["channels"][0];
            std::string name = "c";
            name += std::to_string(i);
            c["name"] = name;
            j["channels"].push_back(c);
        }
        CHECK_THAT(refusal(j), Catch::Contains("at most 256"));
    }
    for (const char* text : {"{\"edx_stream\": 1,", "{\"edx_stream\": 1e999}", "\xff\xfe"}) {
        // (1e999: a number beyond double, which the JSON library reports apart from syntax errors; found by the fuzzer)
        INFO(text);
        try {
            parse_session_header(text, "conn");
            FAIL("accepted");
        } catch (const InputError& e) {
            CHECK_THAT(e.rule(), Catch::Contains("is not JSON"));
        }
    }
}

TEST_CASE("a header over 65,536 bytes is refused even if it is valid JSON", "[stream][header][fault]") {
    json j = example();
    j["padding"] = std::string(StreamLimits::max_header_bytes, 'x');
    CHECK_THAT(refusal(j), Catch::Contains("at most 65536"));
    // Just within the limit (with its newline) is accepted.
    json k = example();
    k["padding"] = "";
    const std::size_t base = k.dump().size();
    k["padding"] = std::string(StreamLimits::max_header_bytes - 1 - base, 'x');
    CHECK(k.dump().size() + 1 == StreamLimits::max_header_bytes);
    CHECK_NOTHROW(parse_session_header(k.dump(), "test"));
}

TEST_CASE("what the header does not require: float scale, sweep without evoked channels, sensory muscle, unknown fields",
          "[stream][header]") {
    json j = {{"edx_stream", 1},
              {"sample_rate_hz", 48000},
              {"sample_type", "float32"},
              {"channels", json::array({{{"name", "ta"}, {"kind", "needle_emg"}, {"units", "uV"}, {"muscle", "tibialis_anterior"}},
                                        {{"name", "sural"}, {"kind", "sensory_ncs"}, {"units", "uV"}}})},
              {"vendor", {{"anything", true}}}};
    // sensory_ncs is evoked: a sweep is needed.
    CHECK_THAT(refusal(j), Catch::Contains("\"sweep\" is missing"));
    j["channels"].erase(1);
    const SessionHeader h = parse_session_header(j.dump(), "test");
    CHECK(h.channels[0].scale == 1.0);
    CHECK(!h.pre_trigger_s);
    CHECK(!h.has_evoked());
}
