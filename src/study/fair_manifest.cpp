#include "edx/study/fair_manifest.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <map>
#include <utility>

#include "csv_reader.hpp"
#include "edx/io/input_error.hpp"

namespace edx::study {

namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c); });
    return out;
}

std::string joined(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
    return out;
}

std::optional<double> parse_double(const std::string& text) {
    double v = 0.0;
    const char* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, v);
    if (ec != std::errc() || ptr != end || !std::isfinite(v)) return std::nullopt;
    return v;
}

std::optional<int> parse_int(const std::string& text) {
    int v = 0;
    const char* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, v);
    if (ec != std::errc() || ptr != end) return std::nullopt;
    return v;
}

struct Columns {
    std::map<std::string, std::size_t> index;  // name -> position
    std::size_t count = 0;
    std::optional<std::size_t> at(const std::string& name) const {
        const auto it = index.find(name);
        if (it == index.end()) return std::nullopt;
        return it->second;
    }
};

Columns read_header(const detail::CsvRecord& header, const std::string& source) {
    const std::string where = "line " + std::to_string(header.line) + " (header)";
    if (!header.error.empty()) throw InputError(source, where, header.error);
    Columns c;
    c.count = header.fields.size();
    for (std::size_t i = 0; i < header.fields.size(); ++i) {
        const std::string name = lower(header.fields[i]);
        if (std::find(std::begin(kManifestColumns), std::end(kManifestColumns), name) == std::end(kManifestColumns)) {
            std::string known;
            for (auto k : kManifestColumns) known += (known.empty() ? "" : ", ") + std::string(k);
            throw InputError(source, where,
                             "column '" + header.fields[i] + "' is not a manifest column (" + known + ")");
        }
        if (!c.index.emplace(name, i).second) throw InputError(source, where, "column '" + name + "' appears twice");
    }
    for (const char* required : {"subject", "file", "reference"}) {
        if (!c.at(required)) throw InputError(source, where, std::string("the required column '") + required + "' is missing");
    }
    return c;
}

}  // namespace

const std::vector<std::string>& positive_reference_labels() {
    static const std::vector<std::string> labels = {"positive", "deep_gluteal_syndrome", "piriformis_syndrome"};
    return labels;
}

const std::vector<std::string>& negative_reference_labels() {
    static const std::vector<std::string> labels = {"negative", "lumbosacral_radiculopathy", "other", "control"};
    return labels;
}

std::optional<bool> reference_is_positive(std::string_view label) {
    const std::string l = lower(label);
    for (const auto& p : positive_reference_labels()) {
        if (l == p) return true;
    }
    for (const auto& n : negative_reference_labels()) {
        if (l == n) return false;
    }
    return std::nullopt;
}

FairManifest parse_fair_manifest(std::istream& in, const std::string& source, const std::filesystem::path& base_dir) {
    detail::CsvReader reader(in);
    const auto header = reader.next();
    if (!header) throw InputError(source, "", "the manifest is empty: it needs a header line and rows");
    const Columns columns = read_header(*header, source);

    FairManifest m;
    m.source = source;
    // (subject, session) -> line, and subject -> (reference, line): a subject's
    // sessions must not repeat and must share one reference diagnosis.
    std::map<std::pair<std::string, int>, std::size_t> seen_session;
    std::map<std::string, std::pair<std::string, std::size_t>> subject_reference;

    while (const auto record = reader.next()) {
        ++m.data_rows;
        const std::size_t line = record->line;
        auto reject = [&](std::string subject, std::string reason) {
            m.rejected.push_back({line, std::move(subject), std::move(reason)});
        };
        if (!record->error.empty()) {
            reject("", record->error);
            continue;
        }
        const auto& f = record->fields;
        if (f.size() != columns.count) {
            reject("", "has " + std::to_string(f.size()) + " fields; the header has " + std::to_string(columns.count));
            continue;
        }
        auto field = [&](const char* name) -> std::string {
            const auto i = columns.at(name);
            return i ? f[*i] : std::string();
        };
        ManifestRow row;
        row.line = line;
        row.subject = field("subject");
        if (row.subject.empty()) {
            reject("", "subject is empty");
            continue;
        }
        row.file = field("file");
        if (row.file.empty()) {
            reject(row.subject, "file is empty");
            continue;
        }
        const std::filesystem::path file_path(row.file);
        row.path = file_path.is_absolute() ? file_path : base_dir / file_path;
        row.recording = field("recording");
        const std::string reference = field("reference");
        const auto positive = reference_is_positive(reference);
        if (!positive) {
            reject(row.subject, "reference '" + reference + "' is not a known label (positive: " +
                                    joined(positive_reference_labels()) +
                                    "; negative: " + joined(negative_reference_labels()) + ")");
            continue;
        }
        row.reference = lower(reference);
        row.reference_positive = *positive;
        const std::string duration = field("symptom_duration_months");
        if (!duration.empty()) {
            const auto v = parse_double(duration);
            if (!v || *v < 0.0) {
                reject(row.subject, "symptom_duration_months '" + duration + "' is not a number of months >= 0");
                continue;
            }
            row.symptom_duration_months = *v;
        }
        const std::string session = field("session");
        if (!session.empty()) {
            const auto v = parse_int(session);
            if (!v || *v < 1) {
                reject(row.subject, "session '" + session + "' is not a whole number >= 1");
                continue;
            }
            row.session = *v;
        }
        const auto [it, fresh] = seen_session.emplace(std::make_pair(row.subject, row.session), line);
        if (!fresh) {
            reject(row.subject, "subject '" + row.subject + "' session " + std::to_string(row.session) +
                                    " is already on line " + std::to_string(it->second));
            continue;
        }
        const auto [ref, first] = subject_reference.emplace(row.subject, std::make_pair(row.reference, line));
        if (!first && ref->second.first != row.reference) {
            seen_session.erase(it);
            reject(row.subject, "reference '" + row.reference + "' differs from '" + ref->second.first +
                                    "' given for subject '" + row.subject + "' on line " +
                                    std::to_string(ref->second.second));
            continue;
        }
        m.rows.push_back(std::move(row));
    }
    if (m.data_rows == 0) throw InputError(source, "", "the manifest has a header but no rows");
    return m;
}

FairManifest read_fair_manifest(const std::filesystem::path& path) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) {
        throw InputError(path.string(), "", std::filesystem::exists(path, ec) ? "is not a regular file"
                                                                               : "no such file");
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) throw InputError(path.string(), "", "cannot be opened for reading");
    FairManifest m = parse_fair_manifest(in, path.string(), path.parent_path());
    if (in.bad()) throw InputError(path.string(), "", "a read error stopped the manifest part way");
    return m;
}

}  // namespace edx::study
