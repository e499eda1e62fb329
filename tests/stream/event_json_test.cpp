// Event JSON: null wherever a value does not exist, never NaN or infinity, and
// the fields the spec names for sweep and fair_delay events.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "edx/stream/event_json.hpp"

using namespace edx;
using namespace edx::stream;

TEST_CASE("non-finite and unset numbers are null", "[stream][events]") {
    CHECK(number_or_null(std::numeric_limits<double>::quiet_NaN()).is_null());
    CHECK(number_or_null(std::numeric_limits<double>::infinity()).is_null());
    CHECK(number_or_null(std::optional<double>()).is_null());
    CHECK(number_or_null(std::optional<double>(2.5)) == 2.5);
    Json e;
    e["x"] = std::numeric_limits<double>::quiet_NaN();  // even a raw NaN does not reach the line as NaN
    CHECK(event_line(e) == R"({"x":null})");
}

TEST_CASE("a sweep's fields: latencies, amplitudes, exclusion, position", "[stream][events]") {
    evoked::HSweepMeasure m;
    m.intensity_ma = std::numeric_limits<double>::quiet_NaN();
    m.position = "fair";
    m.h_onset_ms = 31.25;
    m.h_amplitude_mv = 1.5;
    const Json j = h_sweep_fields(m);
    CHECK(j["intensity_ma"].is_null());
    CHECK(j["position"] == "fair");
    CHECK(j["excluded"] == false);
    CHECK(j["exclusion_reason"].is_null());
    CHECK(j["h_latency_ms"] == 31.25);
    CHECK(j["h_amplitude_mv"] == 1.5);
    CHECK(j["m_latency_ms"].is_null());
    CHECK(j["m_amplitude_mv"].is_null());
    m.excluded = true;
    m.exclusion_reason = "clipping";
    CHECK(h_sweep_fields(m)["exclusion_reason"] == "clipping");
}

TEST_CASE("a FAIR estimate's fields, with the interval only when both ends exist", "[stream][events]") {
    evoked::FairEstimate e;
    Json j = fair_delay_fields(e);
    CHECK(j["status"] == "insufficient_data");
    CHECK(j["delay_ms"].is_null());
    CHECK(j["ci95_ms"].is_null());
    CHECK(j["positive"].is_null());
    e.status = evoked::FairStatus::ok;
    e.delay_ms = 2.1;
    e.ci95_lo_ms = 1.5;
    e.ci95_hi_ms = 2.7;
    e.positive = true;
    e.n_anatomic = 10;
    e.n_fair = 9;
    j = fair_delay_fields(e);
    CHECK(j["delay_ms"] == 2.1);
    CHECK(j["ci95_ms"] == Json::array({1.5, 2.7}));
    CHECK(j["positive"] == true);
    CHECK(j["n_anatomic"] == 10);
    CHECK(j["n_fair"] == 9);
}

TEST_CASE("merge_fields copies in order", "[stream][events]") {
    Json e = {{"type", "sweep"}};
    merge_fields(e, Json{{"a", 1}, {"b", nullptr}});
    CHECK(event_line(e) == R"({"type":"sweep","a":1,"b":null})");
}
