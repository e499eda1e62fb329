// Loads the reference values of signals/reference/study (computed by scipy,
// statsmodels and numpy in tools/reference/make_study_reference.py) for the
// study tests.
#pragma once

#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace edx::study::test {

inline const nlohmann::json& reference() {
    static const nlohmann::json j = [] {
        const std::string path = std::string(EDX_SOURCE_DIR) + "/signals/reference/study/study_reference.json";
        std::ifstream f(path);
        if (!f) throw std::runtime_error("missing " + path);
        return nlohmann::json::parse(f);
    }();
    return j;
}

inline std::vector<double> doubles(const nlohmann::json& a) { return a.get<std::vector<double>>(); }

// |a - b| <= tol * max(1, |b|).
inline bool close(double a, double b, double tol) { return std::abs(a - b) <= tol * std::max(1.0, std::abs(b)); }

}  // namespace edx::study::test
