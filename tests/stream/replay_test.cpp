// Replay: where the frames of a recording land in the stream (end to end and
// timed, markers at the sweep they fall in or before), integer samples sent
// as the very codes the file stores, and recordings that cannot share a stream refused.
#include <catch2/catch.hpp>

#include <cmath>

#include "edx/io/layout_reader.hpp"
#include "edx/stream/replay.hpp"
#include "edx/stream/sample_converter.hpp"
#include "stream/stream_test_support.hpp"

using namespace edx;
using namespace edx::stream;

namespace {

// Everything a parsed stream delivered.
struct Parsed final : FrameSink {
    std::vector<std::pair<std::uint64_t, double>> stimuli;
    std::vector<std::pair<std::uint64_t, std::string>> markers;
    std::vector<std::pair<std::uint64_t, std::uint64_t>> runs;  // first, frames
    std::vector<std::byte> raw;
    SessionHeader header;
    bool ended = false;
    bool samples_begin(std::uint64_t first, std::uint64_t frames) noexcept override {
        runs.emplace_back(first, frames);
        return true;
    }
    std::size_t samples(const std::byte* d, std::size_t frames) noexcept override {
        raw.insert(raw.end(), d, d + frames * header.frame_bytes());
        return frames;
    }
    bool stimulus(std::uint64_t i, double x) noexcept override {
        stimuli.emplace_back(i, x);
        return true;
    }
    bool marker(std::uint64_t i, std::string_view l) noexcept override {
        markers.emplace_back(i, std::string(l));
        return true;
    }
    bool end() noexcept override {
        ended = true;
        return true;
    }
};

Parsed parse_all(ReplaySource& source) {
    const auto bytes = test::stream_bytes(source);
    Parsed p;
    FrameParser parser;
    auto r = parser.feed(bytes, p);
    REQUIRE(r.state == ParseState::header);
    p.header = parse_session_header(parser.header_line(), "replay");
    parser.start_frames(p.header.frame_bytes());
    r = parser.feed(std::span<const std::byte>(bytes).subspan(r.consumed), p);
    REQUIRE(r.state == ParseState::ended);
    return p;
}

Study tiny_sweeps() {
    Study s;
    Recording r;
    r.info.name = "h";
    r.info.kind = RecordingKind::h_reflex;
    r.info.sample_rate_hz = 1000.0;
    r.info.muscle = "soleus";
    r.form = SampleForm::sweeps;
    r.frames = 10;
    r.sweep_count = 3;
    r.pre_trigger_s = 0.002;
    for (std::size_t i = 0; i < 30; ++i) r.samples.push_back(static_cast<float>(i));
    r.stimuli = {{1.0, 5.0}, {3.0, 6.0}, {3.5, 7.0}};
    // Before everything; inside sweep 0 after its stimulus; between sweeps 0 and 1; after the last.
    r.markers = {{0.5, "position=anatomic"}, {1.005, "note"}, {2.0, "position=fair"}, {9.0, "position=anatomic"}};
    s.recordings.push_back(r);
    return s;
}

}  // namespace

TEST_CASE("sweep form end to end: sweeps back to back, stimuli at the pre-trigger offset, markers at their sweep",
          "[stream][replay]") {
    const Study study = tiny_sweeps();
    ReplayOptions o;
    o.block_frames = 4;
    auto source = replay_recordings(study, o);
    CHECK(*source->header().pre_trigger_s == 0.002);
    CHECK(*source->header().post_trigger_s == Approx(0.008));
    const Parsed p = parse_all(*source);
    CHECK(p.ended);
    REQUIRE(p.stimuli.size() == 3);
    CHECK(p.stimuli[0] == std::pair<std::uint64_t, double>{2, 5.0});
    CHECK(p.stimuli[1] == std::pair<std::uint64_t, double>{12, 6.0});
    CHECK(p.stimuli[2] == std::pair<std::uint64_t, double>{22, 7.0});
    REQUIRE(p.markers.size() == 4);
    CHECK(p.markers[0] == std::pair<std::uint64_t, std::string>{0, "position=anatomic"});  // before sweep 0: its start
    CHECK(p.markers[1] == std::pair<std::uint64_t, std::string>{7, "note"});               // 5 ms into sweep 0 (0.995 s start)
    CHECK(p.markers[2] == std::pair<std::uint64_t, std::string>{10, "position=fair"});     // between: sweep 1's start
    CHECK(p.markers[3] == std::pair<std::uint64_t, std::string>{30, "position=anatomic"});  // after the last: the end
    // Every sample in order, contiguous from 0.
    std::uint64_t next = 0;
    for (const auto& [first, frames] : p.runs) {
        CHECK(first == next);
        next += frames;
    }
    CHECK(next == 30);
    std::vector<float> x(30);
    std::memcpy(x.data(), p.raw.data(), 120);
    CHECK(x == study.recordings[0].samples);
}

TEST_CASE("sweep form timed: each sweep at its own time, the stretches between left out", "[stream][replay]") {
    const Study study = tiny_sweeps();
    ReplayOptions o;
    o.layout = SweepLayout::timed;
    auto source = replay_recordings(study, o);
    const Parsed p = parse_all(*source);
    // Sweep k starts at round(t_k * 1000) - 2.
    REQUIRE(p.runs.size() == 3);
    CHECK(p.runs[0].first == 998);
    CHECK(p.runs[1].first == 2998);
    CHECK(p.runs[2].first == 3498);
    CHECK(p.stimuli[1].first == 3000);
    CHECK(p.markers[2].first == 2000);
    CHECK(p.markers[3].first == 9000);

    Study overlapping = study;
    overlapping.recordings[0].stimuli[2].time_s = 3.005;
    CHECK_THROWS_WITH(replay_recordings(overlapping, o), Catch::Contains("overlap in time"));
}

TEST_CASE("integer recordings go on the wire as the stored codes and convert back to the reader's floats exactly",
          "[stream][replay]") {
    const auto file = std::filesystem::path(EDX_SOURCE_DIR) / "signals/examples/dgs_piriformis_left.h5";
    const LayoutReader reader(file);
    for (const char* name : {"soleus_h_left", "tibialis_anterior_left"}) {
        INFO(name);
        ReplayOptions o;
        o.recordings = {name};
        o.block_frames = 1000;
        auto source = open_replay(file, o);
        const RecordingHeader h = reader.header(name);
        REQUIRE(h.storage.type == "int16");
        CHECK(source->header().sample_type == SampleType::int16);
        CHECK(source->header().channels[0].scale == h.storage.scale);
        const Parsed p = parse_all(*source);
        const Recording rec = reader.read(name);
        const std::size_t n = p.raw.size() / 2;
        REQUIRE(n == rec.samples.size());
        std::vector<float> back(n);
        SampleConverter(p.header).convert(p.raw.data(), n, back.data());
        std::size_t differ = 0;
        for (std::size_t i = 0; i < n; ++i) differ += std::memcmp(&back[i], &rec.samples[i], sizeof(float)) != 0;
        CHECK(differ == 0);
        CHECK(p.markers.size() == rec.markers.size());
    }
}

TEST_CASE("recordings that cannot share one stream are refused, naming why", "[stream][replay]") {
    Study s = tiny_sweeps();
    Recording other = s.recordings[0];
    other.info.name = std::string(1, 'g');  // (not = "g": GCC 12 -Wrestrict false positive)
    other.info.sample_rate_hz = 2000.0;
    s.recordings.push_back(other);
    ReplayOptions o;
    CHECK_THROWS_WITH(replay_recordings(s, o), Catch::Contains("name the ones to replay"));
    o.recordings = {"h", "g"};
    CHECK_THROWS_WITH(replay_recordings(s, o), Catch::Contains("different sample rates"));
    s.recordings[1].info.sample_rate_hz = 1000.0;
    s.recordings[1].stimuli[1].time_s = 3.1;
    CHECK_THROWS_WITH(replay_recordings(s, o), Catch::Contains("not swept together"));
    s.recordings[1].stimuli[1].time_s = 3.0;
    auto two = replay_recordings(s, o);
    CHECK(two->header().channels.size() == 2);
    o.recordings = {"nope"};
    CHECK_THROWS_WITH(replay_recordings(s, o), Catch::Contains("no recording named 'nope'"));
}
