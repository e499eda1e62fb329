// edx report RESULTS.h5 --html OUT.html: the HTML report of a case from what
// `edx analyze --out` stored (recordings and /results/document), one
// self-contained page that opens offline (edx/report/case_report.hpp).
#include <iostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli.hpp"
#include "edx/io/input_error.hpp"
#include "edx/io/layout_reader.hpp"
#include "edx/report/case_report.hpp"
#include "edx/report/html_page.hpp"

namespace edx::cli {

int run_report(const std::vector<std::string>& args) {
    po::options_description options("options");
    options.add_options()("file", po::value<std::string>(), "the results file of edx analyze --out (also the first argument)")(
        "html", po::value<std::string>(), "the HTML page to write, atomically");
    po::positional_options_description positional;
    positional.add("file", 1);
    const auto vm = parse(args, "edx report RESULTS.h5 --html OUT.html",
                          "Writes the HTML report of a case from the file `edx analyze STUDY.h5 --clinical CASE.json\n"
                          "--out RESULTS.h5` wrote: H-reflex waveforms with the latency cursors, the FAIR latency time\n"
                          "course with its markers and the delay, nerve conduction, needle EMG per muscle with the\n"
                          "localisation, and the diagnosis with its reasons. One file with its plots (uPlot) inlined:\n"
                          "it opens offline in any browser.",
                          options, positional);
    if (!vm) return 0;
    if (!vm->count("file")) throw UsageError("missing RESULTS.h5");
    if (!vm->count("html")) throw UsageError("missing --html OUT.html");

    const LayoutReader reader(vm->at("file").as<std::string>());
    const std::string path = reader.path().string();
    const Study study = reader.read_study();
    if (!study.results_json) {
        throw InputError(path, "/results/document", "no results document: write the file with edx analyze STUDY.h5 --out RESULTS.h5");
    }
    nlohmann::ordered_json document;
    try {
        document = nlohmann::ordered_json::parse(*study.results_json);
    } catch (const nlohmann::json::parse_error& e) {
        throw InputError(path, "/results/document", std::string("not valid JSON: ") + e.what());
    }
    report::CaseReportInput input;
    input.document = &document;
    input.study = &study;
    input.source = path;
    input.generated_utc = utc_now_iso8601();
    const std::string html = report::case_report_html(input);
    const std::string out = vm->at("html").as<std::string>();
    report::write_html_file(out, html);
    std::cout << "report written to " << out << " (" << html.size() / 1024 << " KiB)\n" << kDecisionSupportNotice << "\n";
    return 0;
}

}  // namespace edx::cli
