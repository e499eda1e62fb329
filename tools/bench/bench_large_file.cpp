// bench_large_file: reading a ~2 GiB layout-v1 recording in bounded memory.
//
// (a) creates, if absent, one continuous 16-channel recording at 20 kHz by
//     streaming hyperslab writes (never more than one block in memory);
// (b) runs `edx info` on it as a child process: wall time and peak RSS (wait4);
// (c) runs LayoutReader::scan in a fresh child process (this program re-executed),
//     so its peak RSS is the scan's alone: Msamples/s, MB/s of raw samples, RSS;
// (d) runs tools/bench/h5py_scan.py on the same dataset with h5py;
// and prints a table, cold (page cache dropped, when allowed) and warm.
//
// Storage variants (--storage):
//   int16-deflate1  int16 counts with scale, chunks of 4096 x 16 (128 KiB), shuffle + deflate level 1.
//                   What an acquisition system writes: ADC counts, compressed. The reader's hard path
//                   (chunk cache, filters). 2 GiB of raw samples = 67,108,864 frames = 55.9 min.
//   float32-plain   float32, chunks of 4096 x 16, no filter: I/O and conversion only, so the reader's
//                   own overhead against h5py shows. 2 GiB = 33,554,432 frames = 28.0 min.
#include <hdf5.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <map>
#include <span>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "edx/io/input_error.hpp"
#include "edx/io/layout_reader.hpp"

#include "child_process.hpp"

namespace {

constexpr std::size_t kChannels = 16;
constexpr double kRateHz = 20000.0;
constexpr std::size_t kChunkRows = 4096;
std::uint64_t raw_bytes_wanted = std::uint64_t{2} << 30;  // 2 GiB of samples unless --size-mib
constexpr const char* kRecording = "hd_semg_gluteus_16ch";
constexpr double kScaleUv = 0.5;  // uV per count (int16 variant)

struct Variant {
    std::string name;
    bool int16 = true;
    std::uint64_t frames() const { return raw_bytes_wanted / (kChannels * (int16 ? 2 : 4)); }
};

// Deterministic, fast: xorshift64* noise (sum of 4 uniforms, about Gaussian) plus one sine per channel,
// so the data compresses like EMG does (poorly), not like zeros.
class Signal {
public:
    double next(std::size_t channel, std::uint64_t frame) {
        double u = 0.0;
        for (int k = 0; k < 4; ++k) {
            state_ ^= state_ >> 12;
            state_ ^= state_ << 25;
            state_ ^= state_ >> 27;
            u += static_cast<double>((state_ * 0x2545F4914F6CDD1DULL) >> 11) * 0x1p-53;
        }
        const double noise = (u - 2.0) * std::sqrt(3.0);  // unit variance
        const double f = 20.0 + 7.0 * static_cast<double>(channel);
        return 120.0 * noise + 200.0 * std::sin(2.0 * M_PI * f * static_cast<double>(frame) / kRateHz);  // uV
    }

private:
    std::uint64_t state_ = 0x9E3779B97F4A7C15ULL;
};

void check(herr_t status, const char* what) {
    if (status < 0) throw std::runtime_error(std::string("HDF5 failed: ") + what);
}

void string_attr(hid_t obj, const char* name, const char* value) {
    const hid_t type = H5Tcopy(H5T_C_S1);
    H5Tset_size(type, H5T_VARIABLE);
    H5Tset_cset(type, H5T_CSET_UTF8);
    const hid_t space = H5Screate(H5S_SCALAR);
    const hid_t attr = H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
    check(H5Awrite(attr, type, &value), name);
    H5Aclose(attr);
    H5Sclose(space);
    H5Tclose(type);
}

void number_attr(hid_t obj, const char* name, double value, hid_t type = H5T_IEEE_F64LE) {
    const hid_t space = H5Screate(H5S_SCALAR);
    const hid_t attr = H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
    check(H5Awrite(attr, H5T_NATIVE_DOUBLE, &value), name);
    H5Aclose(attr);
    H5Sclose(space);
}

// The NaN runs the float32 file carries, so the scans have something to find: (frame, channel, length).
const std::vector<std::array<std::uint64_t, 3>> kNanRuns = {{1000, 3, 5}, {20000000, 15, 1}, {33554431, 0, 1}};

void create_file(const std::filesystem::path& file, const Variant& v) {
    const auto partial = std::filesystem::path(file.string() + ".partial");
    const std::uint64_t frames = v.frames();
    const hid_t f = H5Fcreate(partial.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (f < 0) throw std::runtime_error("cannot create " + partial.string());
    string_attr(f, "edx_format", "edx-recording");
    number_attr(f, "edx_format_version", 1, H5T_STD_I64LE);
    string_attr(f, "subject_id", "BENCH-0001");
    const hid_t recordings = H5Gcreate2(f, "recordings", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    const hid_t g = H5Gcreate2(recordings, kRecording, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    string_attr(g, "kind", "surface_emg");
    number_attr(g, "sample_rate_hz", kRateHz);
    string_attr(g, "units", "uV");
    string_attr(g, "muscle", "gluteus_maximus");
    string_attr(g, "side", "left");

    const hsize_t dims[2] = {frames, kChannels};
    const hsize_t chunk[2] = {kChunkRows, kChannels};
    const hid_t space = H5Screate_simple(2, dims, nullptr);
    const hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    check(H5Pset_chunk(dcpl, 2, chunk), "chunk");
    if (v.int16) {
        check(H5Pset_shuffle(dcpl), "shuffle");
        check(H5Pset_deflate(dcpl, 1), "deflate");
    }
    const hid_t ds = H5Dcreate2(g, "data", v.int16 ? H5T_STD_I16LE : H5T_IEEE_F32LE, space, H5P_DEFAULT, dcpl,
                                H5P_DEFAULT);
    if (ds < 0) throw std::runtime_error("cannot create the dataset");
    if (v.int16) number_attr(ds, "scale", kScaleUv);

    // One block of 64 chunks at a time: 8 MiB (float32) or 4 MiB (int16) in memory.
    const std::uint64_t block_rows = 64 * kChunkRows;
    std::vector<std::int16_t> counts(v.int16 ? block_rows * kChannels : 0);
    std::vector<float> values(v.int16 ? 0 : block_rows * kChannels);
    Signal signal;
    for (std::uint64_t first = 0; first < frames; first += block_rows) {
        const std::uint64_t rows = std::min(block_rows, frames - first);
        for (std::uint64_t r = 0; r < rows; ++r) {
            for (std::size_t c = 0; c < kChannels; ++c) {
                const double uv = signal.next(c, first + r);
                if (v.int16) {
                    counts[r * kChannels + c] = static_cast<std::int16_t>(std::clamp(std::lround(uv / kScaleUv), -32767L, 32767L));
                } else {
                    values[r * kChannels + c] = static_cast<float>(uv);
                }
            }
        }
        if (!v.int16) {
            for (const auto& run : kNanRuns) {
                for (std::uint64_t k = 0; k < run[2]; ++k) {
                    const std::uint64_t frame = run[0] + k;
                    if (frame >= first && frame < first + rows) {
                        values[(frame - first) * kChannels + run[1]] = std::numeric_limits<float>::quiet_NaN();
                    }
                }
            }
        }
        const hsize_t start[2] = {first, 0};
        const hsize_t count[2] = {rows, kChannels};
        check(H5Sselect_hyperslab(space, H5S_SELECT_SET, start, nullptr, count, nullptr), "select");
        const hid_t memory = H5Screate_simple(2, count, nullptr);
        check(H5Dwrite(ds, v.int16 ? H5T_NATIVE_INT16 : H5T_NATIVE_FLOAT, memory, space, H5P_DEFAULT,
                       v.int16 ? static_cast<const void*>(counts.data()) : static_cast<const void*>(values.data())),
              "write");
        H5Sclose(memory);
        if ((first / block_rows) % 64 == 0) {
            std::fprintf(stderr, "\r  writing: %5.1f %%", 100.0 * static_cast<double>(first) / static_cast<double>(frames));
        }
    }
    std::fprintf(stderr, "\r  writing: 100.0 %%\n");
    H5Dclose(ds);
    H5Pclose(dcpl);
    H5Sclose(space);
    H5Gclose(g);
    H5Gclose(recordings);
    check(H5Fclose(f), "close");
    std::filesystem::rename(partial, file);
}

bool file_matches(const std::filesystem::path& file, const Variant& v) {
    if (!std::filesystem::exists(file)) return false;
    try {
        const edx::LayoutReader reader(file);
        const auto h = reader.header(kRecording);
        return h.frames == v.frames() && h.channels == kChannels && h.storage.type == (v.int16 ? "int16" : "float32");
    } catch (const edx::InputError&) {
        return false;
    }
}

using edx::bench::ChildRun;
using edx::bench::run_child;

// key=value pairs from a child's last line.
std::map<std::string, std::string> fields(const std::string& text) {
    std::map<std::string, std::string> out;
    std::istringstream lines(text);
    std::string line;
    std::string last;
    while (std::getline(lines, line)) {
        if (!line.empty()) last = line;
    }
    std::istringstream words(last);
    std::string word;
    while (words >> word) {
        const auto eq = word.find('=');
        if (eq != std::string::npos) out[word.substr(0, eq)] = word.substr(eq + 1);
    }
    return out;
}

// The child side of (c): a full scan, reporting what it read.
int child_scan(const std::string& file) {
    const edx::LayoutReader reader(file);
    const auto start = std::chrono::steady_clock::now();
    std::uint64_t samples = 0;
    std::uint64_t non_finite = 0;
    double sum = 0.0;
    reader.scan(kRecording, 0, [&](const edx::SampleBlock& block) {
        // A checksum to compare with h5py's, cheap enough not to hide the reader's cost:
        // eight independent accumulators let the compiler vectorise it.
        const std::span<const float> x = block.samples;
        samples += x.size();
        double acc[8] = {};
        std::uint64_t bad[8] = {};
        std::size_t i = 0;
        for (; i + 8 <= x.size(); i += 8) {
            for (std::size_t k = 0; k < 8; ++k) {
                const float v = x[i + k];
                const bool ok = v == v;
                acc[k] += ok ? static_cast<double>(v) : 0.0;
                bad[k] += ok ? 0 : 1;
            }
        }
        for (; i < x.size(); ++i) {
            if (x[i] == x[i]) acc[0] += x[i];
            else ++bad[0];
        }
        for (std::size_t k = 0; k < 8; ++k) {
            sum += acc[k];
            non_finite += bad[k];
        }
    });
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const auto h = reader.header(kRecording);
    const double raw_bytes = static_cast<double>(samples) * (h.storage.type == "int16" ? 2.0 : 4.0);
    std::printf("samples=%llu seconds=%.3f msamples_per_s=%.1f raw_mb_per_s=%.1f non_finite=%llu sum=%.6e\n",
                static_cast<unsigned long long>(samples), seconds, static_cast<double>(samples) / seconds / 1e6,
                raw_bytes / seconds / 1e6, static_cast<unsigned long long>(non_finite), sum);
    return 0;
}

bool drop_caches() {
    ::sync();
    std::ofstream control("/proc/sys/vm/drop_caches");
    if (!control) return false;
    control << "3\n";
    control.flush();
    return static_cast<bool>(control);
}

struct Row {
    std::string what;
    std::string cache;
    ChildRun run;
    double msamples_per_s = NAN;
    double raw_mb_per_s = NAN;
};

std::string self_path() { return std::filesystem::read_symlink("/proc/self/exe").string(); }

void usage() {
    std::cout << "usage: bench_large_file [--file PATH] [--storage int16-deflate1|float32-plain] [--no-cold]\n"
                 "                        [--size-mib N (default 2048: 2 GiB of raw samples)]\n"
                 "                        [--edx PATH] [--python PATH] [--h5py-script PATH]\n"
                 "Creates the file if absent (default /tmp/edx_bench_<storage>.h5), then measures edx info,\n"
                 "LayoutReader::scan and an h5py chunked read of it, cold (page cache dropped) and warm.\n";
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.size() == 2 && args[0] == "--child-scan") {
        try {
            return child_scan(args[1]);
        } catch (const std::exception& e) {
            std::cerr << "child scan: " << e.what() << "\n";
            return 1;
        }
    }
    Variant variant{"int16-deflate1", true};
    std::string file;
    std::string edx = EDX_EXECUTABLE;
    std::string python = "/usr/bin/python3";
    std::string script = std::string(EDX_SOURCE_DIR) + "/tools/bench/h5py_scan.py";
    bool cold = true;
    for (std::size_t i = 0; i < args.size(); ++i) {
        auto value = [&]() -> std::string {
            if (i + 1 >= args.size()) throw std::invalid_argument(args[i] + " needs a value");
            return args[++i];
        };
        if (args[i] == "--file") file = value();
        else if (args[i] == "--storage") {
            const std::string s = value();
            if (s == "int16-deflate1") variant = {s, true};
            else if (s == "float32-plain") variant = {s, false};
            else throw std::invalid_argument("--storage must be int16-deflate1 or float32-plain");
        } else if (args[i] == "--no-cold") cold = false;
        else if (args[i] == "--edx") edx = value();
        else if (args[i] == "--size-mib") raw_bytes_wanted = std::stoull(value()) << 20;
        else if (args[i] == "--python") python = value();
        else if (args[i] == "--h5py-script") script = value();
        else {
            usage();
            return args[i] == "--help" ? 0 : 2;
        }
    }
    if (file.empty()) file = "/tmp/edx_bench_" + variant.name + ".h5";

    const std::uint64_t frames = variant.frames();
    if (!file_matches(file, variant)) {
        std::cerr << "creating " << file << " (" << variant.name << ", " << frames << " frames x " << kChannels
                  << " channels)\n";
        const auto start = std::chrono::steady_clock::now();
        create_file(file, variant);
        std::cerr << "  created in "
                  << std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() << " s\n";
    }
    const edx::LayoutReader reader(file);
    const auto h = reader.header(kRecording);
    const double disk_gib = static_cast<double>(std::filesystem::file_size(file)) / (1024.0 * 1024.0 * 1024.0);
    std::printf("file      %s\n", file.c_str());
    std::printf("recording %s: %zu channels %s at %.0f Hz, %llu frames (%.1f min), raw samples %.3f GiB, "
                "file %.3f GiB, chunks %llux%llu, filters %s\n",
                kRecording, h.channels, h.storage.type.c_str(), h.info.sample_rate_hz,
                static_cast<unsigned long long>(h.frames), h.duration_s() / 60.0,
                static_cast<double>(raw_bytes_wanted) / (1024.0 * 1024.0 * 1024.0), disk_gib,
                static_cast<unsigned long long>(h.storage.chunk.at(0)),
                static_cast<unsigned long long>(h.storage.chunk.at(1)),
                h.storage.filters.empty() ? "none" : (h.storage.filters[0] + (h.storage.filters.size() > 1 ? "+" + h.storage.filters[1] : "")).c_str());

    const bool can_drop = cold && drop_caches();
    if (cold && !can_drop) std::printf("note: cannot write /proc/sys/vm/drop_caches; cold runs skipped\n");
    std::vector<std::string> caches;
    if (can_drop) caches.push_back("cold");
    caches.push_back("warm");

    std::vector<Row> rows;
    const double samples = static_cast<double>(frames * kChannels);
    const double raw_mb = static_cast<double>(raw_bytes_wanted) / 1e6;
    std::string edx_sum;
    std::string h5py_sum;
    for (const auto& cache : caches) {
        auto prepare = [&]() {
            if (cache == "cold") drop_caches();
        };
        prepare();
        Row info{"edx info (validate + NaN scan)", cache, run_child({edx, "info", file}), NAN, NAN};
        if (info.run.status != 0) std::cerr << "edx info failed:\n" << info.run.out << "\n";
        info.msamples_per_s = samples / info.run.wall_s / 1e6;
        info.raw_mb_per_s = raw_mb / info.run.wall_s;
        rows.push_back(info);

        prepare();
        Row scan{"LayoutReader::scan (child)", cache, run_child({self_path(), "--child-scan", file}), NAN, NAN};
        auto f = fields(scan.run.out);
        scan.msamples_per_s = std::stod(f.at("msamples_per_s"));
        scan.raw_mb_per_s = std::stod(f.at("raw_mb_per_s"));
        edx_sum = f.at("sum") + " (non-finite " + f.at("non_finite") + ")";
        rows.push_back(scan);

        prepare();
        Row py{"h5py chunked read (python)", cache,
               run_child({python, script, file, std::string("/recordings/") + kRecording + "/data"}), NAN, NAN};
        if (py.run.status != 0) std::cerr << "h5py scan failed:\n" << py.run.out << "\n";
        f = fields(py.run.out);
        py.msamples_per_s = std::stod(f.at("msamples_per_s"));
        py.raw_mb_per_s = std::stod(f.at("raw_mb_per_s"));
        h5py_sum = f.at("sum") + " (non-finite " + f.at("non_finite") + ")";
        rows.push_back(py);
    }

    std::printf("\n%-32s %-5s %9s %12s %12s %13s\n", "run", "cache", "wall_s", "Msamples/s", "raw_MB/s", "peak_RSS_MB");
    for (const auto& r : rows) {
        std::printf("%-32s %-5s %9.2f %12.1f %12.1f %13.1f\n", r.what.c_str(), r.cache.c_str(), r.run.wall_s,
                    r.msamples_per_s, r.raw_mb_per_s, r.run.peak_rss_mb);
    }
    std::printf("\nthroughput of the scan itself (timed inside each process, file already open)\n");
    for (const auto& cache : caches) {
        double edx_rate = NAN;
        double py_rate = NAN;
        for (const auto& r : rows) {
            if (r.cache != cache) continue;
            if (r.what.rfind("LayoutReader", 0) == 0) edx_rate = r.raw_mb_per_s;
            if (r.what.rfind("h5py", 0) == 0) py_rate = r.raw_mb_per_s;
        }
        std::printf("  %s: edx %.1f MB/s, h5py %.1f MB/s, edx/h5py = %.2f\n", cache.c_str(), edx_rate, py_rate,
                    edx_rate / py_rate);
    }
    std::printf("checksums (sum of all samples in uV): edx %s, h5py %s\n", edx_sum.c_str(), h5py_sum.c_str());
    double worst = 0.0;
    for (const auto& r : rows) {
        if (r.what.rfind("h5py", 0) != 0) worst = std::max(worst, r.run.peak_rss_mb);
    }
    std::printf("requirement: peak RSS of edx info and scan < 256 MB: %s (worst %.1f MB)\n",
                worst < 256.0 ? "met" : "NOT MET", worst);
    return worst < 256.0 ? 0 : 1;
}
