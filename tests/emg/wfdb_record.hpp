// Test support: reads the EMGlab sample record R00108 from ../shared (a WFDB
// record, storage format 61 = big-endian int16, one signal, gain in the
// header) into an edx::Recording, and the expert decomposition beside it
// (firings and templates as CSV). Tests that need it skip, saying so, when
// the directory is absent. tools/convert/wfdb_to_layout.py is the user-facing
// converter; this reader only spares the tests a dependency on Python.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "edx/io/recording.hpp"

namespace edx::test {

// <EDX_SHARED_DIR>/data/real/emglab_R00108
std::filesystem::path r00108_directory();
// A line to print when the record is absent (WARN), naming the path looked at.
std::string r00108_absent_message();

// Reads <dir>/<record>.hea and .dat (format 61 only). The recording is
// needle_emg in uV, muscle and side as given, with a contraction=minimal
// marker at 0 (the record is a steady 10% MVC contraction). Throws
// std::runtime_error naming the file for anything it cannot read.
Recording read_wfdb_needle_emg(const std::filesystem::path& dir, const std::string& record, const std::string& muscle);

struct ExpertDecomposition {
    std::map<int, std::vector<double>> firings_s;            // unit -> firing times
    std::map<int, std::vector<double>> templates_uv;         // unit -> template samples
    std::map<int, int> template_reference;                   // unit -> index of the sample at the firing time
};

ExpertDecomposition read_expert_decomposition(const std::filesystem::path& dir, const std::string& record);

}  // namespace edx::test
