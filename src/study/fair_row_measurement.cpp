#include "edx/study/fair_row_measurement.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <filesystem>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "edx/evoked/fair_recording.hpp"
#include "edx/io/input_error.hpp"
#include "edx/io/layout_reader.hpp"

namespace edx::study {

namespace {

std::string joined(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
    return out;
}

bool header_has_fair_protocol(const RecordingHeader& header, const evoked::FairOptions& options) {
    Recording probe;
    probe.markers = header.markers;
    return evoked::has_fair_protocol(probe, options);
}

RowMeasurement rejected(std::string reason) {
    RowMeasurement m;
    m.outcome = RowOutcome::rejected;
    m.reason = std::move(reason);
    return m;
}

RowMeasurement measure(const ManifestRow& row, const evoked::FairOptions& options) {
    std::error_code ec;
    if (!std::filesystem::exists(row.path, ec)) return rejected("file not found: " + row.path.string());
    const LayoutReader reader(row.path);  // InputError when it is not a readable layout-v1 file

    std::string name = row.recording;
    if (name.empty()) {
        std::vector<std::string> candidates;
        for (const auto& n : reader.recording_names()) {
            const RecordingHeader h = reader.header(n);
            if (h.info.kind == RecordingKind::h_reflex && header_has_fair_protocol(h, options)) candidates.push_back(n);
        }
        if (candidates.empty()) {
            return rejected("the file has no h_reflex recording with a position=" + options.fair_position + " marker");
        }
        if (candidates.size() > 1) {
            return rejected("the file has " + std::to_string(candidates.size()) +
                            " h_reflex recordings with the FAIR protocol (" + joined(candidates) +
                            "): name one in the recording column");
        }
        name = candidates.front();
    } else {
        const auto& names = reader.recording_names();
        if (std::find(names.begin(), names.end(), name) == names.end()) {
            return rejected("no recording '" + name + "' in the file (it has: " + joined(names) + ")");
        }
        const RecordingHeader h = reader.header(name);
        if (h.info.kind != RecordingKind::h_reflex) {
            return rejected("recording '" + name + "' is " + std::string(to_string(h.info.kind)) +
                            ", not h_reflex");
        }
        if (!header_has_fair_protocol(h, options)) {
            return rejected("recording '" + name + "' has no position=" + options.fair_position +
                            " marker: it was not recorded with the FAIR protocol");
        }
    }

    const Recording recording = reader.read(name);
    evoked::FairAnalysis analysis;
    try {
        analysis = evoked::analyze_fair_recording(recording, reader.study_info().measures_for(recording), options);
    } catch (const std::invalid_argument& e) {
        return rejected("recording '" + name + "': the H-reflex measurement or the FAIR analysis refused it: " + e.what());
    }
    RowMeasurement m;
    m.recording = name;
    m.side = analysis.side;
    m.estimate = analysis.estimate;
    if (analysis.estimate.status == evoked::FairStatus::ok) {
        m.outcome = RowOutcome::measured;
    } else {
        m.outcome = RowOutcome::indeterminate;
        m.reason = analysis.reason;
    }
    return m;
}

}  // namespace

std::string_view to_string(RowOutcome outcome) noexcept {
    switch (outcome) {
        case RowOutcome::measured: return "measured";
        case RowOutcome::indeterminate: return "indeterminate";
        case RowOutcome::rejected: return "rejected";
    }
    return "unknown";
}

RowMeasurement measure_row(const ManifestRow& row, const evoked::FairOptions& options) {
    try {
        return measure(row, options);
    } catch (const InputError& e) {
        return rejected(e.what());
    } catch (const std::exception& e) {
        // Not bad input as far as anyone can tell, but one file must not stop a
        // study of a thousand: the row is rejected and says so.
        return rejected(std::string("internal error while analysing the row: ") + e.what());
    }
}

std::vector<RowMeasurement> measure_rows(const std::vector<ManifestRow>& rows, const evoked::FairOptions& options,
                                         int threads, const std::function<void(const MeasurementProgress&)>& progress) {
    options.validate();
    if (threads < 0) throw std::invalid_argument("measure_rows: threads must be >= 0");
    std::vector<RowMeasurement> out(rows.size());
    if (rows.empty()) return out;
    std::size_t workers = threads > 0 ? static_cast<std::size_t>(threads)
                                      : std::max(1u, std::thread::hardware_concurrency());
    workers = std::min(workers, rows.size());

    std::atomic<std::size_t> next{0};
    std::mutex progress_mutex;
    MeasurementProgress state;
    state.total = rows.size();
    auto work = [&] {
        for (std::size_t i = next.fetch_add(1); i < rows.size(); i = next.fetch_add(1)) {
            out[i] = measure_row(rows[i], options);
            const std::lock_guard lock(progress_mutex);
            ++state.done;
            state.rejected += out[i].outcome == RowOutcome::rejected;
            state.indeterminate += out[i].outcome == RowOutcome::indeterminate;
            if (progress) progress(state);
        }
    };
    std::vector<std::thread> pool;
    pool.reserve(workers - 1);
    for (std::size_t t = 1; t < workers; ++t) pool.emplace_back(work);
    work();
    for (auto& t : pool) t.join();
    return out;
}

}  // namespace edx::study
