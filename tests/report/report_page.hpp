// Reading back what a report page holds: the JSON of its data block, and the
// plots' containers, for the report tests.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace edx::test {

// The JSON of <script type="application/json" id="edx-data">; throws when absent.
nlohmann::json page_data(const std::string& html);

// The values of attribute `name` of every element that has it, in page order.
std::vector<std::string> attribute_values(const std::string& html, const std::string& name);

// The samples of a "shared" sweeps entry, decoded as report_plots.js decodes them
// (NaN where the count marks a non-finite sample).
std::vector<double> decoded_samples(const nlohmann::json& sweeps);

}  // namespace edx::test
