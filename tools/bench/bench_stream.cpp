// The live path end to end: this program acts as the acquisition system and
// as the event consumer of a real `edx stream` process. It replays a
// 16-channel 20 kHz int16 stream over loopback TCP and reads the JSON-line
// events from the engine's stdout, and prints the figures the issue asks for:
//   throughput  replay -> stream -> events at full speed, in x real time,
//               from the first byte sent to the summary read
//   latency     at real-time pace, from sending the block holding the sample
//               that completes a sweep to reading that sweep's event
//               (loopback and pipe transit included: an upper bound)
//   memory      the engine's resident set after 1 minute of signal and at the
//               end of a long full-speed replay, and its peak
//
// The signal: a 60 s pattern tiled as long as needed. H-reflex channels carry
// simulated sweeps (sim::simulate_h_reflex, FAIR protocol, 30 sweeps at
// 0.5 Hz, M and H waves, artefact, noise) placed at their stimuli in noise,
// with position markers anatomic / fair / anatomic every 20 s; needle-EMG
// channels carry sim::simulate_needle_emg at rest with spontaneous activity
// (grade 2), so the spontaneous-activity windows run on all of them; surface
// EMG channels are carried but have no live analysis (the ingest-only mix).
//
// Usage: bench_stream [--edx PATH] [--minutes N] [--latency-s N] [--memory-min N] [--mix NAME]
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "edx/evoked/fair_recording.hpp"
#include "edx/evoked/h_reflex.hpp"
#include "edx/sim/h_reflex_sim.hpp"
#include "edx/sim/needle_emg.hpp"
#include "edx/stream/frame_encoder.hpp"
#include "edx/stream/session_header.hpp"
#include "edx/stream/transport.hpp"

using namespace edx;
using Clock = std::chrono::steady_clock;
using nlohmann::json;

namespace {

constexpr double kRate = 20000.0;
constexpr std::size_t kChannels = 16;
constexpr std::size_t kPatternFrames = static_cast<std::size_t>(60 * kRate);
constexpr double kPre = 0.01, kPost = 0.06;

struct Mix {
    const char* name;
    int h_reflex;
    int needle;
    int surface;
};

const Mix kMixes[] = {
    {"mixed", 8, 8, 0},     // every analysis: 8 H-reflex/FAIR + 8 needle EMG at rest
    {"evoked", 16, 0, 0},   // 16 H-reflex/FAIR channels
    {"ingest", 0, 0, 16},   // no live analysis: transport, parsing, conversion, hand-off
};
// For latency also a typical FAIR set-up: both soleus H-reflexes among 16 channels.
const Mix kTwoLegs = {"two_legs", 2, 0, 14};

struct Pattern {
    stream::SessionHeader header;
    std::vector<std::int16_t> samples;  // [kPatternFrames][kChannels]
    std::vector<std::uint64_t> stimuli;  // within the pattern
    std::vector<std::pair<std::uint64_t, std::string>> markers;
};

Pattern build(const Mix& mix) {
    Pattern p;
    p.header.sample_rate_hz = kRate;
    p.header.sample_type = stream::SampleType::int16;
    p.header.pre_trigger_s = kPre;
    p.header.post_trigger_s = kPost;
    p.samples.assign(kPatternFrames * kChannels, 0);
    for (int k = 0; k < 30; ++k) p.stimuli.push_back(static_cast<std::uint64_t>((1.0 + 2.0 * k) * kRate));
    if (mix.h_reflex > 0) {
        p.markers = {{0, "position=anatomic"},
                     {static_cast<std::uint64_t>(20 * kRate), "position=fair"},
                     {static_cast<std::uint64_t>(40 * kRate), "position=anatomic"}};
    }
    if (mix.needle > 0) p.markers.insert(p.markers.begin(), {0, "contraction=rest"});
    std::mt19937 gen(11);
    std::size_t c = 0;
    auto column = [&](std::size_t ch, const std::vector<float>& x, stream::ChannelSpec& spec) {
        float peak = 1e-6f;
        for (float v : x) peak = std::max(peak, std::abs(v));
        spec.scale = static_cast<double>(peak) / 30000.0;
        for (std::size_t f = 0; f < kPatternFrames; ++f) {
            p.samples[f * kChannels + ch] = static_cast<std::int16_t>(std::lround(x[f] / spec.scale));
        }
    };
    for (int i = 0; i < mix.h_reflex; ++i, ++c) {
        sim::HReflexConfig cfg;
        cfg.name = "soleus_" + std::to_string(i);
        cfg.sample_rate_hz = kRate;
        cfg.sweep_s = kPre + kPost;
        cfg.pre_trigger_s = kPre;
        cfg.phases = sim::fair_protocol(10, 1.0);
        cfg.fair.delay_ms = i % 2 ? 3.0 : 0.0;
        cfg.age_years = 45.0;
        cfg.height_cm = 175.0;
        const auto r = sim::simulate_h_reflex(cfg, 100 + static_cast<std::uint64_t>(i)).recording;
        // Background noise between sweeps, at the sweeps' pre-stimulus level.
        double ss = 0;
        const std::size_t pre = static_cast<std::size_t>(kPre * kRate);
        for (std::size_t k = 0; k < r.sweep_count; ++k) {
            for (std::size_t f = 0; f < pre / 2; ++f) ss += r.sweep(k)[f] * r.sweep(k)[f];
        }
        std::normal_distribution<float> noise(0.0f, static_cast<float>(std::sqrt(ss / (r.sweep_count * (pre / 2)))));
        std::vector<float> x(kPatternFrames);
        for (auto& v : x) v = noise(gen);
        for (std::size_t k = 0; k < 30 && k < r.sweep_count; ++k) {
            const std::size_t start = p.stimuli[k] - pre;
            for (std::size_t f = 0; f < r.frames; ++f) x[start + f] = r.sweep(k)[f];
        }
        stream::ChannelSpec spec;
        spec.name = cfg.name;
        spec.kind = RecordingKind::h_reflex;
        spec.units = Units::mV;
        spec.muscle = "soleus";
        spec.side = i % 2 ? "right" : "left";
        spec.subject.age_years = 45.0;
        spec.subject.height_cm = 175.0;
        column(c, x, spec);
        p.header.channels.push_back(spec);
    }
    for (int i = 0; i < mix.needle; ++i, ++c) {
        sim::NeedleEmgSpec s;
        s.name = "needle_" + std::to_string(i);
        s.sample_rate_hz = kRate;
        s.rest_s = 60.0;
        s.minimal_s = 1.0;
        s.spontaneous.grade = 2;
        const auto r = sim::simulate_needle_emg(s, 200 + static_cast<std::uint64_t>(i)).recording;
        std::vector<float> x(r.samples.begin(), r.samples.begin() + static_cast<std::ptrdiff_t>(kPatternFrames));
        stream::ChannelSpec spec;
        spec.name = s.name;
        spec.kind = RecordingKind::needle_emg;
        spec.units = Units::uV;
        spec.muscle = "tibialis_anterior";
        column(c, x, spec);
        p.header.channels.push_back(spec);
    }
    for (int i = 0; i < mix.surface; ++i, ++c) {
        std::normal_distribution<float> noise(0.0f, 50.0f);
        std::vector<float> x(kPatternFrames);
        for (auto& v : x) v = noise(gen);
        stream::ChannelSpec spec;
        spec.name = "surface_" + std::to_string(i);
        spec.kind = RecordingKind::surface_emg;
        spec.units = Units::uV;
        spec.muscle = "gastrocnemius";
        column(c, x, spec);
        p.header.channels.push_back(spec);
    }
    if (mix.h_reflex == 0) {
        p.header.pre_trigger_s.reset();
        p.header.post_trigger_s.reset();
        p.stimuli.clear();
    }
    return p;
}

// The engine: `edx stream --listen 127.0.0.1:0` as a child process.
struct Engine {
    pid_t pid = -1;
    int out = -1;  // its stdout: the events
    std::uint16_t port = 0;

    explicit Engine(const std::string& exe) {
        int o[2], e[2];
        if (::pipe(o) != 0 || ::pipe(e) != 0) std::abort();
        pid = ::fork();
        if (pid == 0) {
            ::dup2(o[1], 1);
            ::dup2(e[1], 2);
            ::close(o[0]);
            ::close(e[0]);
            ::execl(exe.c_str(), exe.c_str(), "stream", "--listen", "127.0.0.1:0", "--linger-ms", "5000",
                    static_cast<char*>(nullptr));
            std::_Exit(127);
        }
        ::close(o[1]);
        ::close(e[1]);
        out = o[0];
        std::string err;
        char buf[512];
        const std::string prefix = "listening on 127.0.0.1:";
        while (err.find(prefix) == std::string::npos || err.find('\n', err.find(prefix)) == std::string::npos) {
            const ssize_t n = ::read(e[0], buf, sizeof buf);
            if (n <= 0) {
                std::fprintf(stderr, "bench_stream: edx stream did not start: %s\n", err.c_str());
                std::exit(1);
            }
            err.append(buf, static_cast<std::size_t>(n));
        }
        port = static_cast<std::uint16_t>(std::stoi(err.substr(err.find(prefix) + prefix.size())));
        // Keep draining its stderr so it never blocks on it.
        std::thread([fd = e[0]] {
            char b[512];
            while (::read(fd, b, sizeof b) > 0) {
            }
            ::close(fd);
        }).detach();
    }
    ~Engine() {
        ::kill(pid, SIGTERM);
        int status = 0;
        ::waitpid(pid, &status, 0);
        ::close(out);
    }
    // Resident set and its peak (kB) from /proc.
    std::pair<long, long> rss_kb() const {
        std::ifstream in("/proc/" + std::to_string(pid) + "/status");
        long rss = -1, hwm = -1;
        for (std::string line; std::getline(in, line);) {
            if (line.rfind("VmRSS:", 0) == 0) rss = std::stol(line.substr(6));
            if (line.rfind("VmHWM:", 0) == 0) hwm = std::stol(line.substr(6));
        }
        return {rss, hwm};
    }
};

struct RunResult {
    double signal_s = 0, wall_s = 0;
    double end_to_summary_s = 0;  // from END sent to the summary read: the final measurement of every sweep
    std::size_t events = 0, sweeps = 0, spontaneous = 0, fair = 0;
    json summary;
    std::vector<double> latency_ms;
    long rss_1min_kb = -1, rss_before_end_kb = -1, rss_end_kb = -1, hwm_kb = -1;
};

// Streams `seconds` of the tiled pattern at `speed` (0: as fast as the engine takes it).
RunResult run(const std::string& exe, const Pattern& p, double seconds, double speed, bool latency) {
    Engine engine(exe);
    RunResult res;
    const std::uint64_t total = static_cast<std::uint64_t>(seconds * kRate);
    const std::size_t block = speed > 0 ? static_cast<std::size_t>(kRate / 1000) : 4096;  // 1 ms at real time
    std::vector<std::pair<std::uint64_t, Clock::time_point>> sent;  // end index of each write, when
    std::mutex sent_mutex;
    sent.reserve(latency ? total / block + 8 : 0);
    const std::size_t post = static_cast<std::size_t>(std::lround(kPost * kRate));

    // The event reader: stamps each line as it arrives.
    std::atomic<bool> got_summary{false};
    std::thread reader([&] {
        std::string buf;
        char chunk[1 << 16];
        for (;;) {
            const ssize_t n = ::read(engine.out, chunk, sizeof chunk);
            if (n <= 0) break;
            const auto now = Clock::now();
            buf.append(chunk, static_cast<std::size_t>(n));
            std::size_t start = 0;
            for (std::size_t nl; (nl = buf.find('\n', start)) != std::string::npos; start = nl + 1) {
                const std::string_view line(buf.data() + start, nl - start);
                ++res.events;
                if (line.find("\"type\":\"sweep\"") != std::string_view::npos) {
                    ++res.sweeps;
                    if (latency) {
                        const auto t_at = line.find("\"t\":");
                        const double t = std::strtod(line.data() + t_at + 4, nullptr);
                        const std::uint64_t completing = static_cast<std::uint64_t>(std::llround(t * kRate)) + post - 1;
                        std::lock_guard lock(sent_mutex);
                        const auto it = std::upper_bound(sent.begin(), sent.end(), completing,
                                                         [](std::uint64_t i, const auto& s) { return i < s.first; });
                        if (it != sent.end()) res.latency_ms.push_back(std::chrono::duration<double, std::milli>(now - it->second).count());
                    }
                } else if (line.find("\"type\":\"spontaneous\"") != std::string_view::npos) {
                    ++res.spontaneous;
                } else if (line.find("\"type\":\"fair_delay\"") != std::string_view::npos) {
                    ++res.fair;
                } else if (line.find("\"type\":\"summary\"") != std::string_view::npos ||
                           line.find("\"type\":\"error\"") != std::string_view::npos) {
                    res.summary = json::parse(line);
                    res.wall_s = std::chrono::duration<double>(now.time_since_epoch()).count();
                    got_summary = true;
                    return;
                }
            }
            buf.erase(0, start);
        }
    });

    stream::UniqueFd conn = stream::connect_tcp({"127.0.0.1", engine.port}, std::chrono::seconds(10));
    std::vector<std::byte> out;
    stream::append_header(out, stream::to_json(p.header).dump());
    auto flush = [&] {
        std::size_t done = 0;
        while (done < out.size()) {
            const ssize_t n = ::send(conn.get(), out.data() + done, out.size() - done, MSG_NOSIGNAL);
            if (n <= 0) {
                std::perror("bench_stream: send");
                std::exit(1);
            }
            done += static_cast<std::size_t>(n);
        }
        out.clear();
    };
    const auto start = Clock::now();
    flush();
    std::size_t next_stim = 0, next_marker = 0;
    std::uint64_t tile = 0;
    bool sampled_1min = false;
    for (std::uint64_t a = 0; a < total;) {
        const std::uint64_t tile_start = tile * kPatternFrames;
        const std::uint64_t b = std::min({a + block, total, tile_start + kPatternFrames});
        while (next_marker < p.markers.size() && tile_start + p.markers[next_marker].first < b) {
            stream::append_marker(out, tile_start + p.markers[next_marker].first, p.markers[next_marker].second);
            ++next_marker;
        }
        while (next_stim < p.stimuli.size() && tile_start + p.stimuli[next_stim] < b) {
            stream::append_stimulus(out, tile_start + p.stimuli[next_stim], 20.0);
            ++next_stim;
        }
        const auto* raw = reinterpret_cast<const std::byte*>(p.samples.data() + (a - tile_start) * kChannels);
        stream::append_samples(out, a, std::span<const std::byte>(raw, (b - a) * kChannels * 2));
        if (speed > 0) {
            std::this_thread::sleep_until(start + std::chrono::duration_cast<Clock::duration>(
                                                      std::chrono::duration<double>(static_cast<double>(b) / kRate / speed)));
            if (latency) {
                // Stamped before the write: the engine may answer before send() returns.
                std::lock_guard lock(sent_mutex);
                sent.emplace_back(b, Clock::now());
            }
            flush();
        } else if (out.size() >= (std::size_t{256} << 10)) {
            flush();
        }
        if (!sampled_1min && b >= static_cast<std::uint64_t>(60 * kRate)) {
            sampled_1min = true;
            res.rss_1min_kb = engine.rss_kb().first;
        }
        a = b;
        if (a == tile_start + kPatternFrames) {
            ++tile;
            next_stim = next_marker = 0;
        }
    }
    flush();
    res.rss_before_end_kb = engine.rss_kb().first;
    stream::append_end(out);
    flush();
    const double send_end = std::chrono::duration<double>(Clock::now() - start).count();
    reader.join();
    const double start_s = std::chrono::duration<double>(start.time_since_epoch()).count();
    res.wall_s = got_summary ? res.wall_s - start_s : send_end;
    res.end_to_summary_s = res.wall_s - send_end;
    const auto [rss, hwm] = engine.rss_kb();
    res.rss_end_kb = rss;
    res.hwm_kb = hwm;
    res.signal_s = static_cast<double>(total) / kRate;
    return res;
}

double quantile(std::vector<double> v, double q) {
    if (v.empty()) return std::nan("");
    std::sort(v.begin(), v.end());
    const double pos = q * static_cast<double>(v.size() - 1);
    const auto i = static_cast<std::size_t>(pos);
    const double f = pos - static_cast<double>(i);
    return i + 1 < v.size() ? v[i] * (1 - f) + v[i + 1] * f : v[i];
}

void print_counts(const RunResult& r) {
    const json& c = r.summary.value("counts", json::object());
    std::printf("    events read %zu (sweep %zu, fair_delay %zu, spontaneous %zu), events_dropped %s, summary '%s'\n",
                r.events, r.sweeps, r.fair, r.spontaneous, c.value("events_dropped", json()).dump().c_str(),
                r.summary.value("type", std::string("none")).c_str());
}

}  // namespace

int main(int argc, char** argv) {
    std::setvbuf(stdout, nullptr, _IOLBF, 0);
    std::string exe = EDX_EXECUTABLE;
    double minutes = 10, latency_s = 60, memory_min = 60;
    std::string only;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string k = argv[i];
        if (k == "--edx") exe = argv[i + 1];
        else if (k == "--minutes") minutes = std::atof(argv[i + 1]);
        else if (k == "--latency-s") latency_s = std::atof(argv[i + 1]);
        else if (k == "--memory-min") memory_min = std::atof(argv[i + 1]);
        else if (k == "--mix") only = argv[i + 1];
    }
    ::signal(SIGPIPE, SIG_IGN);
    std::printf("bench_stream: 16 channels, 20 kHz, int16, `edx stream` (%s) over loopback TCP, events on its stdout\n",
                exe.c_str());
    std::printf("machine: %u hardware threads\n\n", std::thread::hardware_concurrency());

    if (minutes > 0) std::printf("Throughput at full speed (%.0f min of signal):\n", minutes);
    for (const Mix& mix : kMixes) {
        if (minutes <= 0 || (!only.empty() && only != mix.name)) continue;
        const Pattern p = build(mix);
        const RunResult r = run(exe, p, minutes * 60, 0.0, false);
        const double input_s = r.wall_s - r.end_to_summary_s;
        std::printf("  %-7s (%2d H-reflex, %2d needle EMG, %2d surface): streaming %7.1fx real time (%.0f s of signal "
                    "taken in %.2f s); whole session %6.1fx (+%.2f s from END to the summary)\n",
                    mix.name, mix.h_reflex, mix.needle, mix.surface, r.signal_s / input_s, r.signal_s, input_s,
                    r.signal_s / r.wall_s, r.end_to_summary_s);
        print_counts(r);
    }

    if (latency_s > 0) {
        std::printf("\nLatency at real-time pace (%.0f s of signal), last sample of a sweep sent -> its event read:\n",
                    latency_s);
        for (const Mix* mix : {&kMixes[0], &kTwoLegs}) {
            if (!only.empty() && only != mix->name) continue;
            const RunResult r = run(exe, build(*mix), latency_s, 1.0, true);
            std::printf("  %-8s (%2d H-reflex, %2d needle, %2d surface): %zu sweep events: median %.2f ms, p90 %.2f ms, "
                        "p99 %.2f ms, max %.2f ms\n",
                        mix->name, mix->h_reflex, mix->needle, mix->surface, r.latency_ms.size(),
                        quantile(r.latency_ms, 0.5), quantile(r.latency_ms, 0.9), quantile(r.latency_ms, 0.99),
                        r.latency_ms.empty() ? 0.0 : *std::max_element(r.latency_ms.begin(), r.latency_ms.end()));
            print_counts(r);
        }
    }

    if (latency_s > 0) {
        // What one live H-reflex measurement costs as a channel's sweeps accumulate
        // (each sweep event measures the prefix; the FAIR estimate runs on spare CPU).
        std::printf("\nCost of one live measurement of one H-reflex channel (20 kHz, 70 ms sweeps), by sweeps in its basis:\n");
        sim::HReflexConfig cfg;
        cfg.sample_rate_hz = kRate;
        cfg.sweep_s = kPre + kPost;
        cfg.pre_trigger_s = kPre;
        cfg.phases.clear();
        for (int r = 0; r < 9; ++r) {  // anatomic / FAIR / anatomic, 10 sweeps each, nine times: 270 sweeps
            for (const auto& ph : sim::fair_protocol(10, 1.0)) cfg.phases.push_back(ph);
        }
        cfg.fair.delay_ms = 3.0;
        cfg.age_years = 45.0;
        cfg.height_cm = 175.0;
        const Recording whole = sim::simulate_h_reflex(cfg, 5).recording;
        for (std::size_t k : {30ul, 64ul, 128ul, 256ul}) {
            Recording p = whole;
            p.sweep_count = k;
            p.samples.resize(k * p.frames);
            p.stimuli.resize(k);
            p.markers.erase(std::remove_if(p.markers.begin(), p.markers.end(),
                                           [&](const Marker& m) { return m.time_s > p.stimuli.back().time_s; }),
                            p.markers.end());
            try {
                const auto t0 = Clock::now();
                const auto res = evoked::measure_h_reflex(p, p.info.subject);
                const auto t1 = Clock::now();
                const auto fair = evoked::analyze_fair(evoked::fair_time_course(p, res));
                const auto t2 = Clock::now();
                std::printf("  %3zu sweeps: measure_h_reflex %6.1f ms, analyze_fair %7.1f ms (FAIR %s)\n", k,
                            std::chrono::duration<double, std::milli>(t1 - t0).count(),
                            std::chrono::duration<double, std::milli>(t2 - t1).count(),
                            std::string(evoked::to_string(fair.estimate.status)).c_str());
            } catch (const std::exception& e) {
                std::printf("  %3zu sweeps: the measurement threw: %s\n", k, e.what());
            }
        }
    }

    for (const Mix* mix : {&kMixes[0], &kTwoLegs}) {
        if (memory_min <= 0 || (!only.empty() && only != mix->name)) continue;
        std::printf("\nMemory of a %.0f-minute session replayed at full speed (mix '%s'):\n", memory_min, mix->name);
        const RunResult r = run(exe, build(*mix), memory_min * 60, 0.0, false);
        std::printf("  engine RSS after 1 min of signal %.1f MB, at the end %.1f MB, peak %.1f MB (%.1fx real time; "
                    "%.1f s from END to the summary)\n",
                    r.rss_1min_kb / 1024.0, r.rss_end_kb / 1024.0, r.hwm_kb / 1024.0, r.signal_s / r.wall_s,
                    r.end_to_summary_s);
        std::printf("    RSS before END (all input taken) %.1f MB\n", r.rss_before_end_kb / 1024.0);
        print_counts(r);
    }
    return 0;
}
