// Reads comma-separated records (RFC 4180 quoting: a field in double quotes
// may hold commas, and "" stands for one quote) one physical line at a time,
// with the line number of each record for error messages. A quoted field may
// not span lines: an unterminated quote then spoils only its own line rather
// than swallowing the rest of the file. Private to the study module.
#pragma once

#include <cstddef>
#include <istream>
#include <optional>
#include <string>
#include <vector>

namespace edx::study::detail {

struct CsvRecord {
    std::size_t line = 0;             // 1-based physical line
    std::vector<std::string> fields;  // unquoted fields trimmed of spaces and tabs; quoted ones verbatim
    std::string error;                // non-empty: the line is malformed (fields then incomplete)
};

class CsvReader {
public:
    explicit CsvReader(std::istream& in) : in_(in) {}
    // The next non-blank line's record; nullopt at the end. A UTF-8 byte-order
    // mark before the first line and a trailing carriage return are ignored.
    std::optional<CsvRecord> next();

private:
    std::istream& in_;
    std::size_t line_ = 0;
};

// Splits one line (without its end-of-line) into a record.
CsvRecord parse_csv_line(const std::string& text, std::size_t line);

}  // namespace edx::study::detail
