// `edx stream` and `edx replay` end to end: over a pipe (stdin), over TCP on
// 127.0.0.1 with an ephemeral port (two sessions, two results files), events
// to --events HOST:PORT, and a bad header answered with exit status 2. The
// summary must equal `edx fair` on the file `edx stream --out` wrote. Every
// command runs under timeout(1), so no test can hang.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "cli/edx_runner.hpp"

using namespace edx::test;
using nlohmann::json;

namespace {

const std::filesystem::path kExample =
    std::filesystem::path(EDX_SOURCE_DIR) / "signals" / "examples" / "dgs_piriformis_left.h5";

std::filesystem::path scratch_dir(const std::string& name) {
    auto dir = std::filesystem::path(EDX_BINARY_DIR) / "test_scratch" / "cli_stream" / name;
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    return dir;
}

std::string slurp(const std::filesystem::path& f) {
    std::ifstream in(f, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

std::vector<json> lines(const std::string& text) {
    std::vector<json> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        if (!line.empty()) out.push_back(json::parse(line));
    }
    return out;
}

std::string edx_binary() { return shell_quoted(EDX_EXECUTABLE); }

int shell(const std::string& command) {
    const int raw = std::system(command.c_str());
    return WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
}

// Waits (at most `seconds`) for `file` to exist and hold `what`.
bool wait_for(const std::filesystem::path& file, const std::string& what, int seconds = 30) {
    for (int i = 0; i < seconds * 20; ++i) {
        if (slurp(file).find(what) != std::string::npos) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
}

}  // namespace

TEST_CASE("edx replay | edx stream --stdin: a session over a pipe, its results equal `edx fair` on the saved file",
          "[cli][stream]") {
    const auto dir = scratch_dir("pipe");
    const auto out = dir / "live.h5";
    const std::string cmd = "timeout 120 " + edx_binary() + " replay " + shell_quoted(kExample.string()) +
                            " --recording soleus_h_right --to - --speed max 2>" + shell_quoted((dir / "replay.err").string()) +
                            " | timeout 120 " + edx_binary() + " stream --stdin --out " + shell_quoted(out.string()) + " >" +
                            shell_quoted((dir / "events.jsonl").string()) + " 2>" + shell_quoted((dir / "stream.err").string());
    REQUIRE(shell(cmd) == 0);
    const auto events = lines(slurp(dir / "events.jsonl"));
    REQUIRE(!events.empty());
    const json& summary = events.back();
    REQUIRE(summary["type"] == "summary");
    CHECK(summary["ended"] == "end");
    CHECK(summary["counts"]["sweeps"] == 30);
    CHECK(summary["out"]["written"] == true);
    CHECK_THAT(slurp(dir / "stream.err"), Catch::Contains("session 1: ended (end)"));

    const EdxRun fair = run_edx(dir, "fair " + shell_quoted(out.string()) + " --json");
    REQUIRE(fair.status == 0);
    const json offline = json::parse(fair.out);
    const json& rec = offline["recordings"][0];
    const json& live = summary["results"]["fair"][0]["estimate"];
    CHECK(rec["status"] == live["status"]);
    if (live["delay_ms"].is_number()) {
        CHECK(std::abs(rec["delay_ms"].get<double>() - live["delay_ms"].get<double>()) <= 1e-9);
        CHECK(rec["positive"] == live["positive"]);
    }
    CHECK(rec["n_anatomic"] == live["n_anatomic"]);
}

TEST_CASE("edx stream --listen: one session per connection on 127.0.0.1, each kept in its own file",
          "[cli][stream]") {
    const auto dir = scratch_dir("tcp");
    const auto err = dir / "stream.err";
    const std::string server = "( timeout 120 " + edx_binary() + " stream --listen 0 --sessions 2 --out " +
                               shell_quoted((dir / "run.h5").string()) + " >" + shell_quoted((dir / "events.jsonl").string()) +
                               " 2>" + shell_quoted(err.string()) + "; echo $? >" + shell_quoted((dir / "rc").string()) + " ) &";
    REQUIRE(shell(server) == 0);
    REQUIRE(wait_for(err, "listening on"));
    const std::string text = slurp(err);
    const std::string prefix = "listening on 127.0.0.1:";
    const auto at = text.find(prefix);
    REQUIRE(at != std::string::npos);
    const std::string port = text.substr(at + prefix.size(), text.find_first_not_of("0123456789", at + prefix.size()) - at - prefix.size());
    REQUIRE(!port.empty());
    for (const char* rec : {"soleus_h_right", "tibialis_anterior_left"}) {
        INFO(rec);
        const int rc = shell("timeout 120 " + edx_binary() + " replay " + shell_quoted(kExample.string()) + " --recording " + rec +
                             " --to 127.0.0.1:" + port + " --speed max 2>>" + shell_quoted((dir / "replay.err").string()));
        CHECK(rc == 0);
    }
    REQUIRE(wait_for(dir / "rc", "\n", 60));
    CHECK(slurp(dir / "rc") == "0\n");
    const auto events = lines(slurp(dir / "events.jsonl"));
    std::size_t summaries = 0;
    for (const auto& e : events) summaries += e["type"] == "summary";
    CHECK(summaries == 2);
    CHECK(std::filesystem::exists(dir / "run.h5"));
    CHECK(std::filesystem::exists(dir / "run-2.h5"));
    const EdxRun info = run_edx(dir, "info " + shell_quoted((dir / "run-2.h5").string()));
    CHECK(info.status == 0);
    CHECK_THAT(info.out, Catch::Contains("tibialis_anterior_left"));
    CHECK_THAT(slurp(err), Catch::Contains("session 2: ended (end)"));
}

TEST_CASE("edx stream --events HOST:PORT sends the events to a consumer that listens there", "[cli][stream]") {
    const auto dir = scratch_dir("events");
    // The consumer: a listening socket on an ephemeral port, read to the end on a thread.
    const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(listener >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::listen(listener, 1) == 0);
    socklen_t len = sizeof addr;
    ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
    const std::string port = std::to_string(ntohs(addr.sin_port));
    std::string received;
    std::thread consumer([&] {
        pollfd p{listener, POLLIN, 0};
        if (::poll(&p, 1, 60000) <= 0) return;
        const int c = ::accept(listener, nullptr, nullptr);
        char buf[65536];
        for (;;) {
            pollfd q{c, POLLIN, 0};
            if (::poll(&q, 1, 60000) <= 0) break;
            const ssize_t n = ::read(c, buf, sizeof buf);
            if (n <= 0) break;
            received.append(buf, static_cast<std::size_t>(n));
        }
        ::close(c);
    });
    const std::string cmd = "timeout 120 " + edx_binary() + " replay " + shell_quoted(kExample.string()) +
                            " --recording soleus_h_left --to - --speed max 2>/dev/null | timeout 120 " + edx_binary() +
                            " stream --stdin --events 127.0.0.1:" + port + " >" + shell_quoted((dir / "stdout").string()) +
                            " 2>" + shell_quoted((dir / "stream.err").string());
    const int rc = shell(cmd);
    consumer.join();
    ::close(listener);
    REQUIRE(rc == 0);
    CHECK(slurp(dir / "stdout").empty());
    const auto events = lines(received);
    REQUIRE(!events.empty());
    CHECK(events.back()["type"] == "summary");
    CHECK(events.back()["counts"]["sweeps"] == 30);
}

TEST_CASE("edx stream --stdin answers a bad header with an error event and exit status 2", "[cli][stream]") {
    const auto dir = scratch_dir("bad");
    const int rc = shell("printf '{\"edx_stream\": 9}\\n' | timeout 60 " + edx_binary() + " stream --stdin >" +
                         shell_quoted((dir / "events.jsonl").string()) + " 2>" + shell_quoted((dir / "err").string()));
    CHECK(rc == 2);
    const auto events = lines(slurp(dir / "events.jsonl"));
    REQUIRE(events.size() == 1);
    CHECK(events[0]["type"] == "error");
    CHECK(events[0]["code"] == "bad_header");
    CHECK_THAT(events[0]["message"].get<std::string>(), Catch::Contains("unknown protocol version"));

    const EdxRun neither = run_edx(dir, "stream");
    CHECK(neither.status == 2);
    CHECK_THAT(neither.err, Catch::Contains("exactly one of --listen and --stdin"));
    const EdxRun replay_bad = run_edx(dir, "replay " + shell_quoted(kExample.string()) + " --to -");
    CHECK(replay_bad.status == 2);
    CHECK_THAT(replay_bad.err, Catch::Contains("--recording"));
}
