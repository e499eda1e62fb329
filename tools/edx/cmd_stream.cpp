// edx stream: serves protocol v1 (spec/stream-protocol-v1.md) on TCP or on
// standard input, one session per connection, events as JSON lines on stdout
// or to --events HOST:PORT, each session's samples, markers and results kept
// in --out (written atomically when the session ends, however it ends).
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "cli.hpp"
#include "edx/stream/transport.hpp"

namespace edx::cli {

namespace {

std::atomic<bool> g_stop{false};

extern "C" void on_stop_signal(int) { g_stop.store(true); }

// Session n of a run keeps its results in OUT for n = 1 and OUT-n for later
// ones (stem-n.ext), so a server never overwrites a session it already kept.
std::filesystem::path out_for(const std::filesystem::path& out, std::size_t session) {
    if (session <= 1) return out;
    std::filesystem::path p = out;
    p.replace_filename(out.stem().string() + "-" + std::to_string(session) + out.extension().string());
    return p;
}

void report(std::size_t n, const stream::ServeOutcome& o, const std::optional<std::filesystem::path>& out) {
    std::cerr << "edx stream: session " << n << ": ";
    if (!o.started) {
        std::cerr << (o.empty ? "the connection closed without a header" : "refused: " + o.message) << "\n";
        return;
    }
    std::cerr << "ended (" << stream::to_string(o.ended) << ")";
    if (o.ended != stream::SessionEnd::end) std::cerr << ": " << o.message;
    std::cerr << "; " << o.events_written << " events written";
    if (o.events_dropped > 0) std::cerr << ", " << o.events_dropped << " dropped (consumer too slow)";
    if (o.events_abandoned > 0) std::cerr << ", " << o.events_abandoned << " undelivered (consumer not reading)";
    if (out) {
        if (o.out_error.empty()) {
            std::cerr << "; kept in " << out->string();
        } else {
            std::cerr << "; NOT kept: " << o.out_error;
        }
    }
    std::cerr << "\n";
}

}  // namespace

int run_stream(const std::vector<std::string>& args) {
    po::options_description options("options");
    options.add_options()
        ("listen", po::value<std::string>(), "serve TCP on [ADDR:]PORT (ADDR defaults to 127.0.0.1; port 0 picks one)")
        ("stdin", po::bool_switch(), "read one session from standard input instead")
        ("events", po::value<std::string>(), "send events to HOST:PORT (connects) instead of stdout")
        ("out", po::value<std::string>(), "keep each session's samples, markers and results in this file (layout v1); "
                                          "session n >= 2 of a run goes to NAME-n.h5")
        ("sessions", po::value<std::size_t>()->default_value(0), "with --listen: exit after this many sessions (0: run until signalled)")
        ("max-prefix-sweeps", po::value<std::size_t>()->default_value(256),
         "H-reflex sweeps one live measurement uses at most (beyond: the last ones)")
        ("linger-ms", po::value<int>()->default_value(2000),
         "after a session ends, how long to keep offering undelivered events to a consumer that does not read");
    const std::string usage =
        "edx stream (--listen [ADDR:]PORT | --stdin) [--events HOST:PORT] [--out FILE.h5] [--sessions N]";
    const std::string summary =
        "Runs live sessions of stream protocol v1: samples, stimuli and markers in; sweep, position, gap,\n"
        "fair_delay, spontaneous, error and summary events out, one JSON object per line. It listens on\n"
        "127.0.0.1 unless an address is given (never on every interface unless asked, e.g. 0.0.0.0:PORT).\n"
        "One session per connection, one connection at a time. A sender faster than the engine is slowed\n"
        "through TCP; a consumer that stops reading events loses events (counted in the summary).\n"
        "Exit status with --stdin: 0 when the session ended with END, 2 when the input was refused or broke off.";
    const auto vm = parse(args, usage, summary, options);
    if (!vm) return 0;
    const bool use_stdin = (*vm)["stdin"].as<bool>();
    if (use_stdin == (vm->count("listen") > 0)) throw UsageError("give exactly one of --listen and --stdin");

    stream::SessionOptions session_options;
    session_options.analysis.max_prefix_sweeps = (*vm)["max-prefix-sweeps"].as<std::size_t>();
    if (session_options.analysis.max_prefix_sweeps == 0) throw UsageError("--max-prefix-sweeps must be at least 1");
    std::optional<std::filesystem::path> out;
    if (vm->count("out")) out = (*vm)["out"].as<std::string>();
    stream::ServeOptions serve;
    serve.linger = std::chrono::milliseconds((*vm)["linger-ms"].as<int>());
    serve.stop = &g_stop;

    ::signal(SIGPIPE, SIG_IGN);
    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;
    ::sigaction(SIGINT, &sa, nullptr);
    ::sigaction(SIGTERM, &sa, nullptr);

    std::optional<stream::Endpoint> events_to;
    if (vm->count("events")) {
        try {
            events_to = stream::parse_endpoint((*vm)["events"].as<std::string>());
        } catch (const std::invalid_argument& e) {
            throw UsageError(std::string("--events: ") + e.what());
        }
    }
    stream::UniqueFd events_fd;
    auto events_output = [&]() -> int {
        if (!events_to) return STDOUT_FILENO;
        if (!events_fd) events_fd = stream::connect_tcp(*events_to, std::chrono::seconds(10));
        return events_fd.get();
    };

    if (use_stdin) {
        session_options.out = out;
        serve.source = "stdin";
        const auto o = stream::serve_input(STDIN_FILENO, events_output(), session_options, serve);
        report(1, o, out);
        return o.started && o.ended == stream::SessionEnd::end ? 0 : 2;
    }

    stream::Endpoint endpoint;
    try {
        endpoint = stream::parse_endpoint((*vm)["listen"].as<std::string>());
    } catch (const std::invalid_argument& e) {
        throw UsageError(std::string("--listen: ") + e.what());
    }
    std::uint16_t port = 0;
    const stream::UniqueFd listener = stream::listen_tcp(endpoint, &port);
    std::cerr << "edx stream: listening on " << endpoint.host << ":" << port << std::endl;
    const std::size_t limit = (*vm)["sessions"].as<std::size_t>();
    std::size_t n = 0;
    while (!g_stop.load() && (limit == 0 || n < limit)) {
        stream::UniqueFd conn = stream::accept_connection(listener.get(), std::chrono::milliseconds(200));
        if (!conn) continue;
        ++n;
        session_options.out = out ? std::optional(out_for(*out, n)) : std::nullopt;
        serve.source = "connection " + std::to_string(n);
        int events = STDOUT_FILENO;
        try {
            events = events_output();
        } catch (const std::exception& e) {
            std::cerr << "edx stream: " << e.what() << "; this session's events are lost\n";
            events = -1;
        }
        stream::UniqueFd sink;
        if (events < 0) {
            sink = stream::UniqueFd(::open("/dev/null", O_WRONLY | O_CLOEXEC));
            events = sink.get();
        }
        const auto o = stream::serve_input(conn.get(), events, session_options, serve);
        report(n, o, session_options.out);
        if (events_to && o.events_abandoned > 0) events_fd = stream::UniqueFd();  // reconnect next session
    }
    return 0;
}

}  // namespace edx::cli
