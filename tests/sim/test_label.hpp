// Section and message labels for the simulator tests.
#pragma once

#include <string>

namespace edx::sim::test {

// prefix + number, built by append: GCC 12 warns falsely (-Wrestrict) on
// "literal" + std::string at -O3.
inline std::string label(const char* prefix, long number) {
    std::string s(prefix);
    s += std::to_string(number);
    return s;
}

}  // namespace edx::sim::test
