// Reads files in edx recording layout v1 (spec/hdf5-layout-v1.md). Everything
// the spec allows is accepted; everything else is refused with an InputError
// naming the file, the object and the rule. Continuous recordings can be walked
// block by block, so files larger than memory are processed in bounded memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "edx/io/recording.hpp"
#include "edx/io/study.hpp"

namespace edx {

// How a sample dataset is stored on disk, for `edx info` and diagnostics.
struct SampleStorageInfo {
    std::string dataset;               // "data" or "sweeps"
    std::string type;                  // "float32", "float64", "int16" or "int32"
    bool big_endian = false;           // byte order on disk (the reader converts)
    std::vector<std::uint64_t> shape;  // dataset dimensions
    std::vector<std::uint64_t> chunk;  // empty when contiguous (or compact)
    std::vector<std::string> filters;  // in pipeline order, e.g. "shuffle", "deflate(4)"
    std::uint64_t stored_bytes = 0;    // allocated on disk, after compression
    double scale = 1.0;                // physical = raw * scale + offset, in stored_units
    double offset = 0.0;
    Units stored_units = Units::mV;
};

// Everything about a recording except its samples: validated against the
// layout's rules, cheap to read whatever the recording's size.
struct RecordingHeader {
    RecordingInfo info;  // info.units is the canonical unit samples are read into
    SampleForm form = SampleForm::continuous;
    std::size_t channels = 1;
    std::size_t frames = 0;
    std::size_t sweep_count = 0;
    double pre_trigger_s = 0.0;
    std::vector<Stimulus> stimuli;
    std::vector<Marker> markers;
    SampleStorageInfo storage;

    // Same definition as Recording::duration_s (sweep form: to the end of the last sweep).
    double duration_s() const noexcept;
};

// One block of a scan: `rows` rows of `columns` interleaved samples in the
// canonical unit, starting at row `first_row` (a frame in continuous form, a
// sweep in sweep form, where columns is then the sweep length). Non-finite
// samples arrive as NaN.
struct SampleBlock {
    std::uint64_t first_row = 0;
    std::size_t rows = 0;
    std::size_t columns = 0;
    std::span<const float> samples;
};

class LayoutReader {
public:
    // Opens the file and validates the root (format, version, /recordings).
    explicit LayoutReader(const std::filesystem::path& file);
    ~LayoutReader();
    LayoutReader(LayoutReader&&) noexcept;
    LayoutReader& operator=(LayoutReader&&) noexcept;
    LayoutReader(const LayoutReader&) = delete;
    LayoutReader& operator=(const LayoutReader&) = delete;

    const std::filesystem::path& path() const noexcept;
    // Root metadata and clinical findings; `recordings` is left empty.
    const Study& study_info() const noexcept;
    // In file order (HDF5 name order).
    const std::vector<std::string>& recording_names() const noexcept;

    RecordingHeader header(std::string_view name) const;
    // The whole recording in memory, samples in the canonical unit, non-finite samples located.
    Recording read(std::string_view name) const;
    // Every recording.
    Study read_study() const;

    // Walks the samples in blocks of at most `max_rows` rows (0 chooses about
    // 8 MiB blocks aligned to the dataset's chunks), holding only one block in
    // memory. The callback may not keep the span. A sample that cannot be read
    // (truncated or damaged file) throws InputError naming the dataset.
    void scan(std::string_view name, std::size_t max_rows,
              const std::function<void(const SampleBlock&)>& sink) const;
    // Counts and locates non-finite samples with a bounded-memory scan.
    NonFiniteReport scan_non_finite(std::string_view name) const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace edx
