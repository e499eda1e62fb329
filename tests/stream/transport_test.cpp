// Protocol v1 over descriptors: each fault of the issue answered on the wire
// (bad header, frame errors, a link that drops mid-frame), TCP backpressure on
// a sender faster than the engine, and a consumer that stops reading events.
// Every wait has a timeout, and descriptors are closed to unblock any thread.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <future>
#include <random>
#include <thread>

#include "edx/io/layout_reader.hpp"
#include "edx/stream/transport.hpp"
#include "stream/stream_test_support.hpp"

using namespace edx;
using namespace edx::stream;
using edx::test::json;

namespace {

std::filesystem::path scratch(const std::string& name) {
    auto dir = std::filesystem::path(EDX_BINARY_DIR) / "test_scratch" / "stream";
    std::filesystem::create_directories(dir);
    return dir / name;
}

struct Served {
    ServeOutcome outcome;
    std::vector<json> events;
};

// Sends `bytes` into serve_input through a pipe (closing it after), collects
// the event lines from another pipe.
Served serve_bytes(const std::vector<std::byte>& bytes, SessionOptions so = {}) {
    int in[2], out[2];
    REQUIRE(::pipe2(in, O_CLOEXEC) == 0);
    REQUIRE(::pipe2(out, O_CLOEXEC) == 0);
    UniqueFd in_r(in[0]), in_w(in[1]), out_r(out[0]), out_w(out[1]);
    std::thread writer([&] {
        std::size_t done = 0;
        while (done < bytes.size()) {
            const ssize_t n = ::write(in_w.get(), bytes.data() + done, bytes.size() - done);
            if (n <= 0) break;  // the engine closed its end after an error
            done += static_cast<std::size_t>(n);
        }
        in_w = UniqueFd();
    });
    std::string text;
    std::thread reader([&] {
        char buf[65536];
        for (;;) {
            const ssize_t n = ::read(out_r.get(), buf, sizeof buf);
            if (n <= 0) break;
            text.append(buf, static_cast<std::size_t>(n));
        }
    });
    ServeOptions opts;
    opts.linger = std::chrono::milliseconds(500);
    auto result = std::async(std::launch::async, [&] {
        auto o = serve_input(in_r.get(), out_w.get(), so, opts);
        in_r = UniqueFd();  // a writer still blocked on a full pipe gets EPIPE
        out_w = UniqueFd();
        return o;
    });
    REQUIRE(result.wait_for(std::chrono::seconds(120)) == std::future_status::ready);
    Served s{result.get(), {}};
    writer.join();
    reader.join();
    std::size_t start = 0;
    for (std::size_t nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1) {
        s.events.push_back(json::parse(text.substr(start, nl - start)));
    }
    CHECK(start == text.size());  // whole lines only
    return s;
}

std::vector<std::byte> header_bytes(const std::string& json_text) {
    std::vector<std::byte> b;
    append_header(b, json_text);
    return b;
}

// One second of the test header's channel (int16) with two stimuli.
void append_second(std::vector<std::byte>& b, std::uint64_t second, std::uint32_t seed) {
    std::mt19937 gen(seed);
    std::normal_distribution<float> d(0.0f, 40.0f);
    std::vector<std::int16_t> x(10000);
    for (auto& v : x) v = static_cast<std::int16_t>(d(gen));
    append_stimulus(b, second * 10000 + 1000, 10.0);
    append_stimulus(b, second * 10000 + 6000, 10.0);
    std::vector<std::byte> raw;
    append_le(raw, std::span<const std::int16_t>(x));
    append_samples(b, second * 10000, raw);
}

void check_error_last(const Served& s, const std::string& code) {
    REQUIRE(!s.events.empty());
    const json& last = s.events.back();
    CHECK(last["type"] == "error");
    CHECK(last["code"] == code);
    for (const auto& e : s.events) CHECK(e.dump().find("nan") == std::string::npos);
}

}  // namespace

TEST_CASE("endpoints: port alone binds 127.0.0.1, host:port, bracketed v6 host:port, bad ones are refused", "[stream][transport]") {
    auto e = parse_endpoint("5000");
    CHECK(e.host == "127.0.0.1");
    CHECK(e.port == 5000);
    e = parse_endpoint("0.0.0.0:1");
    CHECK(e.host == "0.0.0.0");
    e = parse_endpoint("[::1]:65535");
    CHECK(e.host == "::1");
    CHECK(e.port == 65535);
    CHECK_THROWS_AS(parse_endpoint("host:"), std::invalid_argument);
    CHECK_THROWS_AS(parse_endpoint("70000"), std::invalid_argument);
    CHECK_THROWS_AS(parse_endpoint("[::1]5000"), std::invalid_argument);
    CHECK_THROWS_AS(parse_endpoint("a:b"), std::invalid_argument);
}

TEST_CASE("a bad header is answered with one error event and no session", "[stream][transport][fault]") {
    const std::string good = test::h_reflex_header();
    json wrong_version = json::parse(good);
    wrong_version["edx_stream"] = 3;
    json missing = json::parse(good);
    missing["channels"][0].erase("units");
    struct Case {
        std::vector<std::byte> bytes;
        std::string code, says;
    };
    std::vector<Case> cases = {
        {header_bytes("this is not json"), "bad_header", "is not JSON"},
        {header_bytes(wrong_version.dump()), "bad_header", "unknown protocol version"},
        {header_bytes(missing.dump()), "bad_header", "\"units\" is missing"},
        {std::vector<std::byte>(70000, std::byte{' '}), "header_too_long", "65,536"},
        {std::vector<std::byte>(reinterpret_cast<const std::byte*>(good.data()),
                                reinterpret_cast<const std::byte*>(good.data()) + 20),
         "truncated", "inside the header"},
    };
    for (const auto& c : cases) {
        INFO(c.code << ": " << c.says);
        const Served s = serve_bytes(c.bytes);
        CHECK(!s.outcome.started);
        REQUIRE(s.events.size() == 1);
        CHECK(s.events[0]["type"] == "error");
        CHECK(s.events[0]["code"] == c.code);
        CHECK_THAT(s.events[0]["message"].get<std::string>(), Catch::Contains(c.says));
    }
}

TEST_CASE("a SAMPLES payload that is not whole frames ends the session with an error, what came before stays",
          "[stream][transport][fault]") {
    auto b = header_bytes(test::h_reflex_header());
    append_second(b, 0, 1);
    append_second(b, 1, 2);
    const auto bad = std::vector<std::byte>(8 + 3, std::byte{0});  // index + 1.5 frames of int16
    append_frame(b, 1, bad);
    append_second(b, 2, 3);  // never read
    SessionOptions so;
    so.out = scratch("not_whole.h5");
    std::filesystem::remove(*so.out);
    const Served s = serve_bytes(b, so);
    check_error_last(s, "samples_not_whole_frames");
    std::size_t sweeps = 0;
    for (const auto& e : s.events) sweeps += e["type"] == "sweep";
    CHECK(sweeps == 4);
    CHECK(s.outcome.summary["counts"]["samples"] == 20000);
    const Study kept = LayoutReader(*so.out).read_study();
    CHECK(kept.find("soleus_left")->sweep_count == 4);
}

TEST_CASE("a frame over 16 MiB ends the session with an error before its payload is read", "[stream][transport][fault]") {
    auto b = header_bytes(test::h_reflex_header());
    append_second(b, 0, 4);
    b.push_back(std::byte{1});
    for (std::uint32_t v = (16u << 20) + 2, i = 0; i < 4; ++i) b.push_back(static_cast<std::byte>((v >> (8 * i)) & 0xFF));
    const Served s = serve_bytes(b);
    check_error_last(s, "payload_too_large");
    CHECK(s.outcome.summary["counts"]["samples"] == 10000);
}

TEST_CASE("an unknown frame type ends the session with an error naming where", "[stream][transport][fault]") {
    auto b = header_bytes(test::h_reflex_header());
    append_second(b, 0, 5);
    const std::size_t at = b.size();
    append_frame(b, 9, {});
    const Served s = serve_bytes(b);
    check_error_last(s, "unknown_frame_type");
    CHECK(s.events.back()["byte_offset"] == at);
    CHECK(s.events.back()["frame"] == 3);
}

TEST_CASE("a link that drops mid-frame answers an error and keeps everything received", "[stream][transport][fault]") {
    auto b = header_bytes(test::h_reflex_header());
    append_second(b, 0, 6);
    append_second(b, 1, 7);
    b.resize(b.size() - 15000);  // cut inside the second SAMPLES frame: 2,500 of its frames arrive
    SessionOptions so;
    so.out = scratch("dropped.h5");
    std::filesystem::remove(*so.out);
    const Served s = serve_bytes(b, so);
    check_error_last(s, "disconnected_mid_frame");
    CHECK(s.outcome.ended == SessionEnd::disconnect);
    // The frames of the cut SAMPLES frame that arrived whole were taken.
    const std::uint64_t taken = s.outcome.summary["counts"]["samples"];
    CHECK(taken == 12500);
    const Study kept = LayoutReader(*so.out).read_study();
    CHECK(kept.find("soleus_left")->sweep_count == 3);  // 0.1 s, 0.6 s, 1.1 s; 1.6 s was cut off
}

TEST_CASE("a whole session through a pipe ends with its summary", "[stream][transport]") {
    auto b = header_bytes(test::h_reflex_header());
    append_marker(b, 0, "position=anatomic");
    for (std::uint64_t s = 0; s < 5; ++s) append_second(b, s, 10 + static_cast<std::uint32_t>(s));
    append_end(b);
    const Served s = serve_bytes(b);
    CHECK(s.outcome.ended == SessionEnd::end);
    REQUIRE(!s.events.empty());
    CHECK(s.events.back()["type"] == "summary");
    CHECK(s.events.front()["type"] == "position");
    CHECK(s.events.back()["counts"]["sweeps"] == 10);
    CHECK(s.outcome.events_written == s.events.size());
}

TEST_CASE("a sender faster than the engine is held back by TCP itself, and nothing is lost",
          "[stream][transport][fault]") {
    std::uint16_t port = 0;
    UniqueFd listener = listen_tcp({"127.0.0.1", 0}, &port);
    UniqueFd client = connect_tcp({"127.0.0.1", port}, std::chrono::seconds(5));
    UniqueFd server = accept_connection(listener.get(), std::chrono::seconds(5));
    REQUIRE(server);
    const int small = 16384;
    ::setsockopt(client.get(), SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
    ::setsockopt(server.get(), SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    int sink[2];
    REQUIRE(::pipe2(sink, O_CLOEXEC) == 0);
    UniqueFd sink_r(sink[0]), sink_w(sink[1]);
    std::thread drain([&] {
        char buf[65536];
        while (::read(sink_r.get(), buf, sizeof buf) > 0) {
        }
    });

    auto b = header_bytes(test::h_reflex_header());
    const std::uint64_t seconds = 60;
    for (std::uint64_t s = 0; s < seconds; ++s) append_second(b, s, 100 + static_cast<std::uint32_t>(s));
    append_end(b);
    std::size_t held_back = 0;
    std::thread sender([&] {
        std::size_t done = 0;
        while (done < b.size()) {
            const ssize_t n = ::send(client.get(), b.data() + done, b.size() - done, MSG_DONTWAIT | MSG_NOSIGNAL);
            if (n > 0) {
                done += static_cast<std::size_t>(n);
                continue;
            }
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                ++held_back;
                pollfd p{client.get(), POLLOUT, 0};
                ::poll(&p, 1, 1000);
                continue;
            }
            break;
        }
        ::shutdown(client.get(), SHUT_WR);
    });
    SessionOptions so;
    so.work_items = 24;
    so.sweep_slots = 4;
    so.piece_frames = 256;
    ServeOptions opts;
    opts.read_buffer = 4096;
    auto result = std::async(std::launch::async, [&] { return serve_input(server.get(), sink_w.get(), so, opts); });
    const bool ready = result.wait_for(std::chrono::seconds(120)) == std::future_status::ready;
    if (!ready) server = UniqueFd();
    REQUIRE(ready);
    const ServeOutcome o = result.get();
    sender.join();
    sink_w = UniqueFd();
    drain.join();
    CHECK(held_back > 0);  // the kernel buffers filled while the engine was busy: TCP held the sender
    CHECK(o.ended == SessionEnd::end);
    CHECK(o.bytes_read == b.size());
    CHECK(o.summary["counts"]["samples"] == seconds * 10000);
    CHECK(o.summary["counts"]["sweeps"] == seconds * 2);
}

TEST_CASE("an event consumer that stops reading neither stalls the input nor holds the session open",
          "[stream][transport][fault]") {
    int sv[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
    UniqueFd consumer(sv[0]), events(sv[1]);  // the consumer never reads
    const int small = 4096;
    ::setsockopt(events.get(), SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
    ::setsockopt(consumer.get(), SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    int in[2];
    REQUIRE(::pipe2(in, O_CLOEXEC) == 0);
    UniqueFd in_r(in[0]), in_w(in[1]);
    auto b = header_bytes(test::h_reflex_header());
    const std::uint64_t seconds = 150;  // 300 sweep events and a summary, far beyond the buffers
    for (std::uint64_t s = 0; s < seconds; ++s) append_second(b, s, 200 + static_cast<std::uint32_t>(s));
    append_end(b);
    std::thread writer([&] {
        std::size_t done = 0;
        while (done < b.size()) {
            const ssize_t n = ::write(in_w.get(), b.data() + done, b.size() - done);
            if (n <= 0) break;
            done += static_cast<std::size_t>(n);
        }
        in_w = UniqueFd();
    });
    SessionOptions so;
    so.event_capacity = 16;
    ServeOptions opts;
    opts.linger = std::chrono::milliseconds(300);
    auto result = std::async(std::launch::async, [&] { return serve_input(in_r.get(), events.get(), so, opts); });
    const bool ready = result.wait_for(std::chrono::seconds(120)) == std::future_status::ready;
    if (!ready) consumer = UniqueFd();
    REQUIRE(ready);
    const ServeOutcome o = result.get();
    writer.join();
    CHECK(o.ended == SessionEnd::end);
    CHECK(o.bytes_read == b.size());  // the input was read to the end
    CHECK(o.summary["counts"]["sweeps"] == seconds * 2);
    CHECK(o.events_dropped > 0);
    CHECK(o.summary["counts"]["events_dropped"].get<std::uint64_t>() == o.events_dropped);
    CHECK(o.events_abandoned > 0);  // what was still queued when the linger ran out
    CHECK(o.events_written + o.events_abandoned + o.events_dropped >= seconds * 2);
}
