#include "csv_reader.hpp"

namespace edx::study::detail {

namespace {

std::string trimmed(const std::string& s) {
    const auto first = s.find_first_not_of(" \t");
    if (first == std::string::npos) return {};
    const auto last = s.find_last_not_of(" \t");
    return s.substr(first, last - first + 1);
}

}  // namespace

CsvRecord parse_csv_line(const std::string& text, std::size_t line) {
    CsvRecord r;
    r.line = line;
    std::size_t i = 0;
    const std::size_t n = text.size();
    while (true) {
        // Leading blanks before a quote are allowed ( "a, "b,c"" is common by hand).
        std::size_t start = i;
        while (start < n && (text[start] == ' ' || text[start] == '\t')) ++start;
        if (start < n && text[start] == '"') {
            std::string field;
            std::size_t k = start + 1;
            bool closed = false;
            while (k < n) {
                if (text[k] == '"') {
                    if (k + 1 < n && text[k + 1] == '"') {
                        field += '"';
                        k += 2;
                        continue;
                    }
                    closed = true;
                    ++k;
                    break;
                }
                field += text[k++];
            }
            if (!closed) {
                r.error = "a quoted field opened at column " + std::to_string(start + 1) + " is not closed on this line";
                r.fields.push_back(field);
                return r;
            }
            while (k < n && (text[k] == ' ' || text[k] == '\t')) ++k;
            r.fields.push_back(field);
            if (k == n) return r;
            if (text[k] != ',') {
                r.error = "unexpected text after the closing quote at column " + std::to_string(k + 1);
                return r;
            }
            i = k + 1;
            continue;
        }
        const std::size_t comma = text.find(',', i);
        const std::string raw = text.substr(i, comma == std::string::npos ? std::string::npos : comma - i);
        if (raw.find('"') != std::string::npos) {
            r.error = "a quote inside an unquoted field (quote the whole field and double the quote)";
        }
        r.fields.push_back(trimmed(raw));
        if (comma == std::string::npos) return r;
        i = comma + 1;
    }
}

std::optional<CsvRecord> CsvReader::next() {
    std::string text;
    while (std::getline(in_, text)) {
        ++line_;
        if (line_ == 1 && text.size() >= 3 && text.compare(0, 3, "\xEF\xBB\xBF") == 0) text.erase(0, 3);
        if (!text.empty() && text.back() == '\r') text.pop_back();
        if (text.find_first_not_of(" \t") == std::string::npos) continue;
        return parse_csv_line(text, line_);
    }
    return std::nullopt;
}

}  // namespace edx::study::detail
