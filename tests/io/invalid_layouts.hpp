// Test data: one small valid layout-v1 file, and the table of invalid files
// the reader must refuse (spec/hdf5-layout-v1.md, "Invalid input"), each made
// from the valid file by one edit, with the object and the rule the error must
// name. Shared by the reader tests and the `edx info` CLI tests.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "io/hdf5_test_file.hpp"

namespace edx::test {

// The valid file: "/recordings/cont" (needle_emg, continuous float32 [1000, 2]
// at 10 kHz, chunked + shuffle + deflate, 3 stimuli with intensities, 2
// markers) and "/recordings/swp" (h_reflex, sweeps int16 [4, 200] with scale,
// pre_trigger_s 5 ms, sweep_times 0, 2, 4, 6 s).
void write_valid_layout(Hdf5TestFile& file);

struct InvalidLayout {
    std::string name;    // what is wrong, for the test's name
    std::string object;  // expected InputError::object() ("" for whole-file problems)
    std::string rule;    // text InputError::rule() must contain
    std::function<void(Hdf5TestFile&)> edit;                        // applied to the valid file
    std::function<void(const std::filesystem::path&)> after_close;  // byte-level damage, if any
    bool from_scratch = false;  // `after_close` writes the whole file; no HDF5 file is made
};

const std::vector<InvalidLayout>& invalid_layouts();

// Writes case `c` at `file`.
void write_invalid_layout(const InvalidLayout& c, const std::filesystem::path& file);

}  // namespace edx::test
