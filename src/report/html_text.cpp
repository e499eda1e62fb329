#include "edx/report/html_text.hpp"

#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace edx::report {

std::string html_escape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&#39;"; break;
            default: out += c;
        }
    }
    return out;
}

std::string number_text(const std::optional<double>& value, int decimals) {
    if (!value || !std::isfinite(*value)) return "-";
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.*f", decimals, *value);
    return buffer;
}

std::string interval_text(double lo, double hi, int decimals) {
    // Appended piece by piece: GCC 12 warns falsely (-Wrestrict) on "[" + std::string.
    std::string s = "[";
    s += number_text(lo, decimals);
    s += ", ";
    s += number_text(hi, decimals);
    s += "]";
    return s;
}

std::string script_json(const nlohmann::ordered_json& data) {
    // error_handler::replace: a byte that is not UTF-8 in a recording name is shown
    // as U+FFFD rather than stopping the report.
    const std::string text = data.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        if (c == '<') {
            out += "\\u003c";
        } else {
            out += c;
        }
    }
    return out;
}

std::string HtmlTable::render() const {
    std::string out = "<table>\n<thead><tr>";
    for (const auto& h : headers) out += "<th>" + html_escape(h) + "</th>";
    out += "</tr></thead>\n<tbody>\n";
    for (std::size_t r = 0; r < rows.size(); ++r) {
        if (rows[r].size() != headers.size()) {
            throw std::invalid_argument("HtmlTable: row " + std::to_string(r) + " has " + std::to_string(rows[r].size()) +
                                        " cells for " + std::to_string(headers.size()) + " headers");
        }
        out += "<tr>";
        for (const auto& cell : rows[r]) out += "<td>" + html_escape(cell) + "</td>";
        out += "</tr>\n";
    }
    out += "</tbody></table>\n";
    return out;
}

}  // namespace edx::report
