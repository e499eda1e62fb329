// edx replay FILE --to ADDR:PORT|-: acts as an acquisition system, streaming a
// recording in protocol v1 at real time, X times real time or as fast as the
// engine takes it. The layout-to-stream mapping is in include/edx/stream/replay.hpp.
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <algorithm>
#include <chrono>
#include <iostream>
#include <string>
#include <system_error>
#include <vector>

#include "cli.hpp"
#include "edx/io/layout_reader.hpp"
#include "edx/stream/replay.hpp"
#include "edx/stream/transport.hpp"

namespace edx::cli {

int run_replay(const std::vector<std::string>& args) {
    po::options_description options("options");
    options.add_options()
        ("input", po::value<std::string>(), "layout-v1 file to replay")
        ("to", po::value<std::string>(), "engine address [HOST:]PORT (HOST defaults to 127.0.0.1), or - for stdout")
        ("speed", po::value<std::string>()->default_value("1"), "X times real time (1: real time), or max")
        ("recording", po::value<std::vector<std::string>>(), "recording to stream (repeat for channels recorded together); "
                                                               "needed when the file holds several")
        ("sweeps", po::value<std::string>()->default_value("end-to-end"),
         "sweep-form recordings: end-to-end (sweeps back to back) or timed (at their own times, gaps between)")
        ("block-frames", po::value<std::size_t>()->default_value(0), "frames per SAMPLES frame (0: 1 ms of signal x speed, 4096 at max)")
        ("wait-s", po::value<double>()->default_value(600.0), "after END, how long to wait for the engine to finish and close");
    po::positional_options_description positional;
    positional.add("input", 1);
    const std::string usage =
        "edx replay FILE --to [HOST:]PORT|- [--speed X|max] [--recording NAME]... [--sweeps end-to-end|timed]";
    const std::string summary =
        "Streams a recording to `edx stream` as an acquisition system would. Continuous recordings go as they\n"
        "are, stimuli and markers at their sample; sweep-form recordings go sweep after sweep (each sweep's\n"
        "stimulus at its pre-trigger offset, each marker at the sweep it falls in or before), or with\n"
        "--sweeps timed at their own times with the stretches between them left out (gaps). Integer samples\n"
        "go as stored (with the file's scale), float samples as float32.";
    const auto vm = parse(args, usage, summary, options, positional);
    if (!vm) return 0;
    if (!vm->count("input")) throw UsageError("no input file given");
    if (!vm->count("to")) throw UsageError("--to is required");
    const std::string speed_text = (*vm)["speed"].as<std::string>();
    double speed = 0.0;
    if (speed_text != "max") {
        try {
            speed = std::stod(speed_text);
        } catch (const std::exception&) {
            throw UsageError("--speed takes a positive number or max, got '" + speed_text + "'");
        }
        if (!(speed > 0.0)) throw UsageError("--speed takes a positive number or max, got '" + speed_text + "'");
    }
    stream::ReplayOptions ro;
    if (vm->count("recording")) ro.recordings = (*vm)["recording"].as<std::vector<std::string>>();
    const std::string layout = (*vm)["sweeps"].as<std::string>();
    if (layout == "end-to-end") {
        ro.layout = stream::SweepLayout::end_to_end;
    } else if (layout == "timed") {
        ro.layout = stream::SweepLayout::timed;
    } else {
        throw UsageError("--sweeps takes end-to-end or timed, got '" + layout + "'");
    }
    const std::string file = (*vm)["input"].as<std::string>();
    std::size_t block = (*vm)["block-frames"].as<std::size_t>();
    if (block == 0) {
        // 1 ms of signal per frame at real time (so pacing is fine-grained), larger when faster.
        const LayoutReader reader(file);
        const auto& names = ro.recordings.empty() ? reader.recording_names() : ro.recordings;
        const double rate = names.empty() ? 1000.0 : reader.header(names.front()).info.sample_rate_hz;
        block = speed == 0.0 ? 4096 : static_cast<std::size_t>(std::max(1.0, std::min(4096.0, rate * 0.001 * speed)));
    }
    ro.block_frames = block;
    std::unique_ptr<stream::ReplaySource> source;
    try {
        source = stream::open_replay(file, ro);
    } catch (const std::invalid_argument& e) {
        throw UsageError(e.what());
    }

    ::signal(SIGPIPE, SIG_IGN);
    const std::string to = (*vm)["to"].as<std::string>();
    stream::UniqueFd conn;
    int fd = STDOUT_FILENO;
    if (to != "-") {
        stream::Endpoint endpoint;
        try {
            endpoint = stream::parse_endpoint(to);
        } catch (const std::invalid_argument& e) {
            throw UsageError(std::string("--to: ") + e.what());
        }
        conn = stream::connect_tcp(endpoint, std::chrono::seconds(10));
        fd = conn.get();
    }
    stream::ReplayStats stats;
    try {
        stats = stream::replay(*source, fd, speed);
    } catch (const std::system_error& e) {
        // The engine refused the stream (it answers with an error event and closes) or went away.
        std::cerr << "edx replay: the engine stopped taking the stream: " << e.code().message()
                  << " (see the engine's events for why)\n";
        return 2;
    }
    const double signal_s = static_cast<double>(stats.last_index) / source->header().sample_rate_hz;
    if (conn) {
        // The engine closes the connection once it has taken END and finished the session.
        ::shutdown(conn.get(), SHUT_WR);
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>((*vm)["wait-s"].as<double>());
        char sink[4096];
        while (std::chrono::steady_clock::now() < deadline) {
            pollfd p{conn.get(), POLLIN, 0};
            if (::poll(&p, 1, 200) <= 0) continue;
            if (::read(conn.get(), sink, sizeof sink) <= 0) break;
        }
    }
    std::cerr << "edx replay: " << signal_s << " s of signal, " << source->header().channels.size() << " channels, "
              << stats.bytes << " bytes in " << stats.seconds << " s ("
              << (stats.seconds > 0 ? signal_s / stats.seconds : 0.0) << "x real time)\n";
    return 0;
}

}  // namespace edx::cli
