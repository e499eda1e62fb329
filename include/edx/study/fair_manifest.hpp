// The manifest of a FAIR validation study: a CSV file with a header, one row
// per H-reflex recording (subject, file, recording, reference diagnosis,
// symptom duration, session). The columns and the reference labels are
// documented in signals/examples/README-fair-study-manifest.md. A bad row is
// kept with its line number and the reason, never dropped silently; only a
// manifest that cannot be read at all (no file, no header, unknown or missing
// columns, no rows) throws.
#pragma once

#include <cstddef>
#include <filesystem>
#include <istream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace edx::study {

struct ManifestRow {
    std::size_t line = 0;  // 1-based line of the manifest
    std::string subject;
    std::string file;             // as written
    std::filesystem::path path;   // resolved: relative paths are relative to the manifest's folder
    std::string recording;        // empty: the file's only h_reflex recording with the FAIR protocol
    std::string reference;        // the label, lower case (e.g. "deep_gluteal_syndrome")
    bool reference_positive = false;
    std::optional<double> symptom_duration_months;
    int session = 1;
};

struct RejectedRow {
    std::size_t line = 0;
    std::string subject;  // when the row got that far; may be empty
    std::string reason;
};

struct FairManifest {
    std::string source;  // the manifest as named (for messages)
    std::size_t data_rows = 0;  // rows after the header, blank lines not counted
    std::vector<ManifestRow> rows;      // the rows that passed every check, in file order
    std::vector<RejectedRow> rejected;  // the others, in file order
};

// The column names, in the order the documentation lists them.
inline constexpr std::string_view kManifestColumns[] = {"subject", "file", "recording", "reference",
                                                        "symptom_duration_months", "session"};

// true for a label the study counts as reference positive (positive,
// deep_gluteal_syndrome, piriformis_syndrome), false for a negative one
// (negative, lumbosacral_radiculopathy, other, control), nullopt for anything
// else. Case-insensitive.
std::optional<bool> reference_is_positive(std::string_view label);
// The labels, for messages and documentation.
const std::vector<std::string>& positive_reference_labels();
const std::vector<std::string>& negative_reference_labels();

// Throws edx::InputError naming the manifest and the line when it cannot be
// read at all. Checks each row's fields (not the files: the measurement opens them).
FairManifest read_fair_manifest(const std::filesystem::path& path);
// The same on a stream; `base_dir` resolves relative file paths.
FairManifest parse_fair_manifest(std::istream& in, const std::string& source, const std::filesystem::path& base_dir);

}  // namespace edx::study
