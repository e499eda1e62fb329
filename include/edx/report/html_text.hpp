// Text for HTML pages: escaping, numbers with fixed decimals ("-" when a value
// does not exist), JSON safe to embed in a <script> block, and tables with the
// units in their headers.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace edx::report {

// &, <, >, " and ' as entities: safe in element content and quoted attributes.
std::string html_escape(std::string_view text);

// Fixed decimals; "-" when unset or not finite. Tables of a report print their
// numbers with this, so a test can find the document's value in the page.
std::string number_text(const std::optional<double>& value, int decimals = 2);

// "[lo, hi]" with number_text's decimals: how a report prints an interval.
std::string interval_text(double lo, double hi, int decimals = 2);

// nlohmann's dump with every '<' written \u003c, so no string can close the
// <script type="application/json"> block it is embedded in.
std::string script_json(const nlohmann::ordered_json& data);

// A table: headers (with units, e.g. "latency (ms)") and rows of plain text
// cells, escaped when rendered.
struct HtmlTable {
    std::vector<std::string> headers;
    std::vector<std::vector<std::string>> rows;
    std::string render() const;  // throws std::invalid_argument when a row's width differs from the headers'
};

}  // namespace edx::report
