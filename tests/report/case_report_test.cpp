#include <catch2/catch.hpp>

#include <cmath>
#include <iterator>
#include <map>
#include <set>
#include <string>

#include "edx/analysis/edx_markers.hpp"
#include "edx/analysis/study_analysis.hpp"
#include "edx/diagnosis/case_file.hpp"
#include "edx/diagnosis/diagnosis_report.hpp"
#include "edx/diagnosis/inference.hpp"
#include "edx/io/input_error.hpp"
#include "edx/report/case_report.hpp"
#include "edx/report/html_text.hpp"
#include "edx/sim/study_sim.hpp"
#include "report_page.hpp"

using namespace edx;
using Json = nlohmann::ordered_json;

namespace {

// A sciatic lesion in the deep gluteal space on the left (FAIR positive there),
// analysed as edx analyze does, with the bundled example's clinical case.
struct AnalysedCase {
    sim::SimulatedStudy simulated;
    Json document;
};

const AnalysedCase& analysed_case() {
    static const AnalysedCase c = [] {
        sim::StudySpec spec;
        spec.lesion = sim::LesionSite::sciatic_deep_gluteal;
        spec.side = "left";
        spec.fair_delay_ms = 2.66;
        spec.needle_rest_s = 4.0;
        spec.needle_minimal_s = 4.0;
        AnalysedCase out{sim::simulate_study(spec, 21), {}};
        const auto a = analysis::analyse_study(out.simulated.study);
        out.document = analysis::results_document(a);
        out.document["file"] = "simulated.h5";
        out.document["skipped_analyses"] = Json::array();
        const auto& model = diagnosis::EvidenceModel::bundled();
        const auto clinical = diagnosis::read_case_file(EDX_SOURCE_DIR "/signals/examples/dgs_piriformis_left.case.json", model);
        out.document["diagnosis"] = diagnosis::to_json(diagnosis::diagnose(model, clinical, analysis::edx_markers(a, clinical.symptomatic_side)), model);
        return out;
    }();
    return c;
}

std::string html_of(const Json& document, const Study& study) {
    report::CaseReportInput input;
    input.document = &document;
    input.study = &study;
    input.source = "simulated.h5";
    input.generated_utc = "2026-11-28T12:00:00Z";
    return report::case_report_html(input);
}

bool contains(const std::string& html, const std::string& text) { return html.find(text) != std::string::npos; }

}  // namespace

TEST_CASE("the case report's plots carry the results document's numbers exactly, and its tables print them",
          "[report][case]") {
    const auto& c = analysed_case();
    const Json& doc = c.document;
    const Study& study = c.simulated.study;
    const std::string html = html_of(doc, study);
    const auto data = test::page_data(html);

    REQUIRE(contains(html, "Decision support for a clinical neurophysiologist, not a diagnosis."));
    REQUIRE(contains(html, "simulated.h5"));
    REQUIRE(contains(html, "2026-11-28T12:00:00Z"));

    // Every container has its plot's data and every plot a container.
    const auto ids = test::attribute_values(html, "data-plot-id");
    REQUIRE(std::set<std::string>(ids.begin(), ids.end()).size() == ids.size());
    REQUIRE(ids.size() == data.at("plots").size());
    for (const auto& id : ids) REQUIRE(data.at("plots").contains(id));

    // H-reflex: cursors at the document's latencies, the sweeps as recorded.
    const auto& h = doc.at("h_reflex");
    REQUIRE(h.size() == 2);
    for (std::size_t i = 0; i < h.size(); ++i) {
        const auto& spec = data.at("plots").at("h-waveforms-" + std::to_string(i));
        std::map<std::string, double> cursor_ms;
        for (const auto& c : spec.at("cursors")) cursor_ms[c.at("label").get<std::string>()] = c.at("ms").get<double>();
        REQUIRE(h[i].at("h_present").get<bool>());
        const std::pair<const char*, const char*> expected_cursors[] = {{"M onset", "m_latency_ms"},
                                                                        {"M peak", "m_peak_latency_ms"},
                                                                        {"H onset", "h_latency_ms"},
                                                                        {"H peak", "h_peak_latency_ms"},
                                                                        {"expected H onset", "expected_h_latency_ms"}};
        REQUIRE(cursor_ms.size() == std::size(expected_cursors));
        for (const auto& [label, field] : expected_cursors) {
            INFO(label);
            REQUIRE(cursor_ms.count(label) == 1);
            REQUIRE(cursor_ms[label] == h[i].at(field).get<double>());
        }
        REQUIRE(contains(html, "<td>" + report::number_text(h[i].at("h_latency_ms").get<double>()) + "</td>"));
        REQUIRE(contains(html, "<td>" + report::number_text(h[i].at("m_latency_ms").get<double>()) + "</td>"));

        const auto& sweeps = data.at("shared").at(spec.at("sweeps").get<std::string>());
        const Recording* rec = study.find(h[i].at("recording").get<std::string>());
        REQUIRE(rec != nullptr);
        REQUIRE(sweeps.at("sweep_count") == rec->sweep_count);
        REQUIRE(sweeps.at("frames") == rec->frames);
        REQUIRE(sweeps.at("pre_trigger_ms").get<double>() == Approx(rec->pre_trigger_s * 1000.0).margin(1e-12));
        const auto samples = test::decoded_samples(sweeps);
        REQUIRE(samples.size() == rec->samples.size());
        const double half_count = sweeps.at("scale").get<double>() / 2.0 + 1e-9;
        for (std::size_t k = 0; k < samples.size(); ++k) REQUIRE(std::abs(samples[k] - rec->samples[k]) <= half_count);
    }

    // FAIR: the per-sweep latencies of the document, the position markers of the recording, the delay and its interval.
    const auto& fair = doc.at("fair");
    REQUIRE(fair.size() == 2);
    for (std::size_t i = 0; i < fair.size(); ++i) {
        const auto& spec = data.at("plots").at("fair-time-course-" + std::to_string(i));
        const auto& course = fair[i].at("time_course");
        REQUIRE(spec.at("h_latency_ms").size() == course.size());
        for (std::size_t k = 0; k < course.size(); ++k) {
            REQUIRE(spec.at("time_s").at(k).get<double>() == course[k].at("time_s").get<double>());
            if (course[k].at("h_latency_ms").is_null()) {
                REQUIRE(spec.at("h_latency_ms").at(k).is_null());
            } else {
                REQUIRE(spec.at("h_latency_ms").at(k).get<double>() == course[k].at("h_latency_ms").get<double>());
            }
        }
        REQUIRE(spec.at("delay_ms").get<double>() == fair[i].at("delay_ms").get<double>());
        const Recording* rec = study.find(fair[i].at("name").get<std::string>());
        REQUIRE(rec != nullptr);
        std::size_t fair_markers = 0;
        for (const auto& m : rec->markers) fair_markers += m.value_of("position") == std::optional<std::string_view>("fair");
        std::size_t drawn = 0;
        for (const auto& m : spec.at("markers")) drawn += m.at("position") == "fair";
        REQUIRE(fair_markers >= 1);
        REQUIRE(drawn == fair_markers);
        const auto& ci = fair[i].at("delay_ci95_ms");
        REQUIRE(contains(html, "<td>[" + report::number_text(ci.at(0).get<double>()) + ", " + report::number_text(ci.at(1).get<double>()) + "]</td>"));
    }
    REQUIRE(contains(html, "<td>POSITIVE</td>"));  // the lesioned leg, 2.66 ms true delay against the 1.86 ms criterion

    // Needle EMG: one row per muscle with its call.
    for (const auto& r : doc.at("emg").at("recordings")) {
        REQUIRE(contains(html, "<td>" + r.at("muscle").get<std::string>() + "</td>"));
    }
    REQUIRE(contains(html, "sciatic nerve in the deep gluteal space"));

    // The diagnosis: posterior means and intervals as the document has them, with the reasons.
    const auto& post = data.at("plots").at("diagnosis-posterior");
    const auto& posterior = doc.at("diagnosis").at("posterior");
    REQUIRE(post.at("labels").size() == posterior.size());
    std::size_t k = 0;
    for (const auto& [key, p] : posterior.items()) {
        REQUIRE(post.at("labels").at(k) == key);
        REQUIRE(post.at("mean").at(k).get<double>() == p.at("mean").get<double>());
        REQUIRE(post.at("ci95_lo").at(k).get<double>() == p.at("ci95").at(0).get<double>());
        REQUIRE(post.at("ci95_hi").at(k).get<double>() == p.at("ci95").at(1).get<double>());
        ++k;
    }
    for (const auto& contribution : doc.at("diagnosis").at("contributions")) {
        REQUIRE(contains(html, report::html_escape(contribution.at("label").get<std::string>())));
    }
}

TEST_CASE("a case report says why a part is missing instead of leaving it blank", "[report][case]") {
    // Only the nerve conduction recordings: no H-reflex, no FAIR, no needle EMG, no case.
    Study study = analysed_case().simulated.study;
    std::erase_if(study.recordings, [](const Recording& r) {
        return r.info.kind == RecordingKind::h_reflex || r.info.kind == RecordingKind::needle_emg;
    });
    REQUIRE_FALSE(study.recordings.empty());
    Json doc = analysis::results_document(analysis::analyse_study(study));
    doc["diagnosis"] = nullptr;
    const std::string html = html_of(doc, study);
    REQUIRE(contains(html, "no H-reflex recording in this study"));
    REQUIRE(contains(html, "no FAIR recording in this study"));
    REQUIRE(contains(html, "no needle EMG recording in this study"));
    REQUIRE(contains(html, "no clinical case"));
    REQUIRE(test::page_data(html).at("plots").empty());
    REQUIRE(test::attribute_values(html, "data-plot-id").empty());
}

TEST_CASE("a document that is not a version-1 results document, or has a malformed section, is refused with where it is wrong",
          "[report][case]") {
    const Study& study = analysed_case().simulated.study;
    Json doc = analysed_case().document;
    doc["version"] = 2;
    REQUIRE_THROWS_AS(html_of(doc, study), InputError);
    doc = analysed_case().document;
    doc["fair"] = "not a list";
    try {
        html_of(doc, study);
        FAIL("no error");
    } catch (const InputError& e) {
        REQUIRE(e.source() == "simulated.h5");
        REQUIRE(e.object() == "/results/document/fair");
    }
    doc = analysed_case().document;
    doc["h_reflex"][0]["m_latency_ms"] = "4.6";
    REQUIRE_THROWS_AS(html_of(doc, study), InputError);
}
