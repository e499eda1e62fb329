// What the stream tests share: protocol bytes for a header, a FrameSink that
// feeds a Session as `edx stream` does (waiting for room), event collection
// with timeouts (no test may hang), and simulated recordings.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "edx/io/study.hpp"
#include "edx/sim/h_reflex_sim.hpp"
#include "edx/stream/frame_encoder.hpp"
#include "edx/stream/frame_parser.hpp"
#include "edx/stream/replay.hpp"
#include "edx/stream/session.hpp"

namespace edx::test {

using nlohmann::json;

// A one-channel header in the spec's example form (int16, 0.5 uV per code unless given).
inline std::string h_reflex_header(double rate = 10000.0, const char* type = "int16", double pre = 0.01,
                                   double post = 0.06) {
    json h = {{"edx_stream", 1},
              {"sample_rate_hz", rate},
              {"sample_type", type},
              {"channels", json::array({{{"name", "soleus_left"},
                                         {"kind", "h_reflex"},
                                         {"units", "uV"},
                                         {"scale", 0.5},
                                         {"offset", 0},
                                         {"muscle", "soleus"},
                                         {"nerve", "tibial"},
                                         {"side", "left"}}})},
              {"sweep", {{"pre_trigger_s", pre}, {"post_trigger_s", post}}}};
    return h.dump();
}

// Feeds a Session the way serve_input does, waiting for room when it is busy.
class SessionFeeder final : public stream::FrameSink {
public:
    explicit SessionFeeder(stream::Session& s) : session_(s) {}
    bool samples_begin(std::uint64_t first, std::uint64_t frames) noexcept override {
        return ok(session_.begin_samples(first, frames));
    }
    std::size_t samples(const std::byte* data, std::size_t frames) noexcept override {
        const std::size_t n = session_.samples(data, frames);
        if (n < frames) ++busy_;
        return n;
    }
    bool stimulus(std::uint64_t index, double intensity) noexcept override { return ok(session_.stimulus(index, intensity)); }
    bool marker(std::uint64_t index, std::string_view label) noexcept override { return ok(session_.marker(index, label)); }
    bool end() noexcept override { return ok(session_.end()); }

    // Feeds the frames (no header) until all are taken; throws on a protocol error or a hang.
    void feed(stream::FrameParser& parser, std::span<const std::byte> bytes) {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
        while (!bytes.empty()) {
            const auto r = parser.feed(bytes, *this);
            bytes = bytes.subspan(r.consumed);
            if (r.state == stream::ParseState::error) throw std::runtime_error(parser.error().message);
            if (r.state == stream::ParseState::ended) return;
            if (r.state == stream::ParseState::blocked) {
                session_.wait_for_room(std::chrono::milliseconds(20));
                if (std::chrono::steady_clock::now() > deadline) throw std::runtime_error("feeding the session hung");
            }
        }
    }
    std::size_t busy() const noexcept { return busy_; }

private:
    bool ok(stream::PushStatus s) noexcept {
        if (s == stream::PushStatus::busy) ++busy_;
        return s != stream::PushStatus::busy;
    }
    stream::Session& session_;
    std::size_t busy_ = 0;
};

// Pops events, parsed, keeping them all.
class EventLog {
public:
    explicit EventLog(stream::EventQueue& q) : queue_(q) {}
    void drain() {
        std::string line;
        while (queue_.try_pop(line)) events.push_back(json::parse(line));
    }
    // Pops until `done` holds for some event, or throws after the timeout.
    void wait_for(const std::function<bool(const json&)>& done, std::chrono::milliseconds timeout = std::chrono::seconds(60)) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        std::size_t seen = 0;
        for (;;) {
            for (; seen < events.size(); ++seen) {
                if (done(events[seen])) return;
            }
            std::string line;
            if (queue_.wait_pop(line, std::chrono::milliseconds(20))) events.push_back(json::parse(line));
            if (std::chrono::steady_clock::now() > deadline) throw std::runtime_error("timed out waiting for an event");
        }
    }
    std::vector<json> of_type(const std::string& type) const {
        std::vector<json> out;
        for (const auto& e : events) {
            if (e.value("type", "") == type) out.push_back(e);
        }
        return out;
    }
    std::vector<json> events;

private:
    stream::EventQueue& queue_;
};

// Waits for the session to finish (throws after the timeout) and collects every event.
inline void finish(stream::Session& s, EventLog& log, std::chrono::seconds timeout = std::chrono::seconds(120)) {
    if (!s.wait_finished(timeout)) throw std::runtime_error("the session did not finish");
    log.drain();
}

// A FAIR H-reflex series with known delay (simulator), in sweep form.
inline Study fair_study(double delay_ms, std::uint64_t seed, double rate = 10000.0, int per_phase = 10) {
    sim::HReflexConfig c;
    c.name = "soleus_h_left";
    c.sample_rate_hz = rate;
    c.phases = sim::fair_protocol(per_phase, 5.0);
    c.fair.delay_ms = delay_ms;
    c.fair.onset_tau_s = 0.0;
    c.age_years = 45.0;
    c.height_cm = 175.0;
    auto s = sim::simulate_h_reflex(c, seed);
    Study study;
    study.subject_id = "SIM";
    study.recordings.push_back(std::move(s.recording));
    return study;
}

// The protocol bytes of a whole replay source (header included).
inline std::vector<std::byte> stream_bytes(stream::ReplaySource& source) {
    std::vector<std::byte> out;
    stream::append_header(out, stream::to_json(source.header()).dump());
    std::uint64_t due = 0;
    while (source.next(out, due)) {
    }
    return out;
}

}  // namespace edx::test
