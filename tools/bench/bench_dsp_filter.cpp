// Benchmark of the streaming filter on the workload: 64 channels at
// 20 kHz, Butterworth band-pass 20 Hz - 2 kHz (prototype order 4, 4 sections)
// plus a 50 Hz notch with 2 harmonics (3 sections), in 1 ms blocks. Prints
// throughput, the ratio to scipy.signal.sosfilt (when run_dsp_filter_bench.py
// passes scipy's figure), block-time percentiles, memory and the instruction
// set. Results are checked against the scalar reference before any timing.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "edx/dsp/butterworth.hpp"
#include "edx/dsp/notch.hpp"
#include "edx/dsp/sos_filter.hpp"

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
    std::size_t channels = 64;
    double rate_hz = 20000.0;
    double block_ms = 1.0;
    double seconds = 120.0;       // of signal streamed per throughput run
    std::string data_file;        // float32 [frames][channels], else generated
    std::string sos_file;         // float64 rows [b0 b1 b2 a0 a1 a2] from scipy
    std::string reference_file;   // float64 scipy.signal.sosfilt output of data_file (first frames)
    double scipy_rate = 0.0;      // channel-samples/s measured by scipy in the same run
};

std::vector<char> read_file(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) throw std::runtime_error("cannot read " + path);
    return {std::istreambuf_iterator<char>(f), {}};
}

template <class T>
std::vector<T> read_array(const std::string& path) {
    const auto bytes = read_file(path);
    std::vector<T> v(bytes.size() / sizeof(T));
    std::memcpy(v.data(), bytes.data(), v.size() * sizeof(T));
    return v;
}

long rss_kib() {
    std::ifstream f("/proc/self/status");
    std::string line;
    while (std::getline(f, line)) {
        if (line.rfind("VmRSS:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
    }
    return -1;
}

const char* instruction_set() {
#if defined(__AVX512F__)
    return "AVX-512F (with AVX2/FMA)";
#elif defined(__AVX2__)
    return "AVX2";
#elif defined(__AVX__)
    return "AVX";
#elif defined(__SSE2__)
    return "SSE2";
#else
    return "scalar";
#endif
}

double percentile(std::vector<double> v, double q) {
    std::sort(v.begin(), v.end());
    const double pos = q * static_cast<double>(v.size() - 1);
    const auto i = static_cast<std::size_t>(pos);
    const double f = pos - static_cast<double>(i);
    return i + 1 < v.size() ? v[i] * (1 - f) + v[i + 1] * f : v[i];
}

Options parse(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto next = [&]() -> std::string {
            if (i + 1 >= argc) throw std::runtime_error(a + " needs a value");
            return argv[++i];
        };
        if (a == "--data") o.data_file = next();
        else if (a == "--sos") o.sos_file = next();
        else if (a == "--reference") o.reference_file = next();
        else if (a == "--scipy-rate") o.scipy_rate = std::stod(next());
        else if (a == "--seconds") o.seconds = std::stod(next());
        else if (a == "--help") {
            std::cout << "bench_dsp_filter [--data F32FILE --sos F64FILE --reference F64FILE] [--scipy-rate CS_PER_S]"
                         " [--seconds S]\n(normally run through tools/bench/run_dsp_filter_bench.py)\n";
            std::exit(0);
        } else {
            throw std::runtime_error("unknown option " + a);
        }
    }
    return o;
}

}  // namespace

int main(int argc, char** argv) try {
    const Options opt = parse(argc, argv);
    const std::size_t C = opt.channels;
    const auto block_frames = static_cast<std::size_t>(std::lround(opt.rate_hz * opt.block_ms / 1000.0));

    const auto cascade = edx::dsp::butterworth_bandpass(4, 20.0, 2000.0, opt.rate_hz)
                             .then(edx::dsp::mains_notch({50.0, 2, 30.0}, opt.rate_hz));
    std::printf("workload: %zu channels, %.0f Hz, %zu-frame blocks (%.1f ms), %zu sections "
                "(band-pass 20-2000 Hz order 4 + 50 Hz notch, 2 harmonics, Q 30)\n",
                C, opt.rate_hz, block_frames, opt.block_ms, cascade.size());
    std::printf("instruction set: %s (EDX_ARCH=%s), arithmetic: double state and coefficients, float samples\n",
                instruction_set(), EDX_ARCH_NAME);

    if (!opt.sos_file.empty()) {
        const auto rows = read_array<double>(opt.sos_file);
        const auto scipy = edx::dsp::SosCascade::from_rows(rows);
        if (scipy.size() != cascade.size()) throw std::runtime_error("scipy sections differ in number");
        double worst = 0;
        for (std::size_t s = 0; s < scipy.size(); ++s) {
            const double a[5] = {scipy[s].b0, scipy[s].b1, scipy[s].b2, scipy[s].a1, scipy[s].a2};
            const double b[5] = {cascade[s].b0, cascade[s].b1, cascade[s].b2, cascade[s].a1, cascade[s].a2};
            double scale = 0;
            for (double v : a) scale = std::max(scale, std::abs(v));
            for (int k = 0; k < 5; ++k) worst = std::max(worst, std::abs(a[k] - b[k]) / scale);
        }
        std::printf("sections vs scipy: max relative difference %.2e\n", worst);
        if (worst > 1e-9) throw std::runtime_error("edx design differs from scipy's sections");
    }

    std::vector<float> data;
    if (!opt.data_file.empty()) {
        data = read_array<float>(opt.data_file);
    } else {
        std::mt19937_64 rng(20240611);
        std::normal_distribution<float> noise(0.0f, 1.0f);
        data.resize(static_cast<std::size_t>(opt.rate_hz * 10) * C);
        for (std::size_t i = 0; i < data.size(); ++i) {
            const double t = static_cast<double>(i / C) / opt.rate_hz;
            data[i] = noise(rng) + static_cast<float>(2.0 * std::sin(2 * 3.141592653589793 * 50.0 * t));
        }
    }
    const std::size_t frames = data.size() / C;
    const std::size_t blocks = frames / block_frames;
    std::vector<float> out(block_frames * C);

    // 1. Equality before timing: vectorised == scalar reference, bit for bit,
    //    over the whole data set in 1 ms blocks; and against scipy if given.
    {
        edx::dsp::StreamingSosFilter fast(cascade, C);
        edx::dsp::ScalarSosFilter slow(cascade, C);
        std::vector<float> a(data.size()), b(data.size());
        for (std::size_t k = 0; k < blocks; ++k) {
            const std::span<const float> in(data.data() + k * block_frames * C, block_frames * C);
            fast.process(in, std::span<float>(a.data() + k * block_frames * C, in.size()));
            slow.process(in, std::span<float>(b.data() + k * block_frames * C, in.size()));
        }
        const std::size_t n = blocks * block_frames * C;
        if (std::memcmp(a.data(), b.data(), n * sizeof(float)) != 0) {
            throw std::runtime_error("vectorised output differs from the scalar reference");
        }
        std::printf("check: vectorised == scalar reference, bit for bit, %zu channel-samples\n", n);
        if (!opt.reference_file.empty()) {
            const auto ref = read_array<double>(opt.reference_file);
            const std::size_t m = std::min(ref.size(), n);
            double peak = 0, err = 0;
            for (std::size_t i = 0; i < m; ++i) {
                peak = std::max(peak, std::abs(ref[i]));
                err = std::max(err, std::abs(ref[i] - static_cast<double>(a[i])));
            }
            std::printf("check: vs scipy.signal.sosfilt, max |difference| %.2e (peak %.2f), %zu channel-samples\n",
                        err, peak, m);
            if (err > 1e-5 * peak) throw std::runtime_error("output differs from scipy.signal.sosfilt");
        }
    }

    edx::dsp::StreamingSosFilter filter(cascade, C);
    const auto total_blocks = static_cast<std::size_t>(opt.seconds * 1000.0 / opt.block_ms);
    std::vector<double> us;
    us.reserve(total_blocks);  // before the first RSS reading: the timings are the benchmark's, not the filter's
    std::fill_n(std::back_inserter(us), total_blocks, 0.0);
    us.clear();
    const long rss_before = rss_kib();

    // 2. Throughput: stream opt.seconds of signal (cycling over the data).
    std::vector<double> rates;
    for (int run = 0; run < 3; ++run) {
        const auto t0 = Clock::now();
        for (std::size_t k = 0; k < total_blocks; ++k) {
            const std::span<const float> in(data.data() + (k % blocks) * block_frames * C, block_frames * C);
            filter.process(in, out);
        }
        const double s = std::chrono::duration<double>(Clock::now() - t0).count();
        rates.push_back(static_cast<double>(total_blocks * block_frames * C) / s);
    }
    std::sort(rates.begin(), rates.end());
    const double rate = rates[1];

    // 3. Per-block time (each call timed on its own; includes ~20-40 ns of clock reads).
    for (std::size_t k = 0; k < total_blocks; ++k) {
        const std::span<const float> in(data.data() + (k % blocks) * block_frames * C, block_frames * C);
        const auto t0 = Clock::now();
        filter.process(in, out);
        us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
    }
    const long rss_after = rss_kib();

    volatile float sink = out[0];
    (void)sink;
    std::printf("throughput: %.3g channel-samples/s (median of 3 runs of %.0f s of signal; min %.3g, max %.3g)\n",
                rate, opt.seconds, rates[0], rates[2]);
    if (opt.scipy_rate > 0) {
        std::printf("scipy.signal.sosfilt: %.3g channel-samples/s -> ratio %.1fx\n", opt.scipy_rate,
                    rate / opt.scipy_rate);
    } else {
        std::printf("scipy.signal.sosfilt: not measured (run tools/bench/run_dsp_filter_bench.py for the ratio)\n");
    }
    std::printf("block time (1 ms = %zu frames x %zu channels, %zu blocks): median %.2f us, p99 %.2f us, "
                "p99.9 %.2f us, max %.2f us\n",
                block_frames, C, us.size(), percentile(us, 0.5), percentile(us, 0.99), percentile(us, 0.999),
                *std::max_element(us.begin(), us.end()));
    std::printf("memory: filter state + scratch %zu bytes (constant); RSS %ld KiB before and %ld KiB after "
                "streaming %.0f s x 4 passes (input data set: %zu KiB)\n",
                filter.state_bytes(), rss_before, rss_after, opt.seconds, data.size() * sizeof(float) / 1024);
    return 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "bench_dsp_filter: %s\n", e.what());
    return 1;
}
