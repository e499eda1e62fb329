// Loads the scipy reference vectors of signals/reference/dsp (written by
// tools/reference/make_dsp_reference.py) for the dsp tests.
#pragma once

#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "edx/dsp/sos.hpp"

namespace edx::dsp::test {

inline std::string reference_dir() { return std::string(EDX_SOURCE_DIR) + "/signals/reference/dsp/"; }

inline const nlohmann::json& reference() {
    static const nlohmann::json j = [] {
        std::ifstream f(reference_dir() + "dsp_reference.json");
        if (!f) throw std::runtime_error("missing " + reference_dir() + "dsp_reference.json");
        return nlohmann::json::parse(f);
    }();
    return j;
}

template <class T>
std::vector<T> load_array(const nlohmann::json& entry) {
    const std::string path = reference_dir() + entry.at("file").get<std::string>();
    std::ifstream f(path, std::ios::binary);
    if (!f) throw std::runtime_error("missing " + path);
    const std::vector<char> bytes{std::istreambuf_iterator<char>(f), {}};
    std::vector<T> v(bytes.size() / sizeof(T));
    std::memcpy(v.data(), bytes.data(), v.size() * sizeof(T));
    return v;
}

inline SosCascade cascade_from(const nlohmann::json& rows) {
    std::vector<double> flat;
    for (const auto& row : rows) {
        for (const auto& v : row) flat.push_back(v.get<double>());
    }
    return SosCascade::from_rows(flat);
}

}  // namespace edx::dsp::test
