// Writes a Study as an edx recording layout v1 file. The file appears under its
// final name only when complete: it is written to a temporary name beside it
// and renamed, so an interrupted run never leaves a half-written file.
#pragma once

#include <filesystem>

#include "edx/io/study.hpp"

namespace edx {

enum class StorageType { float32, float64, int16, int32 };

struct WriteOptions {
    StorageType storage = StorageType::float32;
    // Integer storage: the scale is chosen per recording so its largest
    // magnitude uses the integer range; non-finite samples cannot be stored as
    // integers and are refused.
    int deflate_level = 4;         // 0 writes contiguous, uncompressed datasets
    bool shuffle = true;           // byte shuffle before deflate
    std::size_t chunk_rows = 0;    // 0 chooses about 256 KiB chunks
};

void write_study(const Study& study, const std::filesystem::path& file, const WriteOptions& options = {});

}  // namespace edx
