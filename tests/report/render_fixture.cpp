// Writes the report of a study with one 10,000-sweep H-reflex recording for
// the Chromium rendering test:
//   report_render_fixture OUT.html [SWEEPS]
// The recording has no position markers: the FAIR estimate's time grows much
// faster than the sweep count (about 4 s for 500 sweeps, 30 s for 1,000 on
// one core), so a 10,000-sweep FAIR series cannot be analysed in a test. The
// H-reflex analysis of every sweep is what the waveform plots need.
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "edx/report/case_report.hpp"
#include "edx/report/html_page.hpp"
#include "long_series_case.hpp"

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: report_render_fixture OUT.html [SWEEPS]\n");
        return 2;
    }
    try {
        const int sweeps = argc > 2 ? std::atoi(argv[2]) : 10000;
        const auto c = edx::test::long_series_case(sweeps, 7, "SIM-10K");
        const auto& study = c.study;
        const std::string html = edx::report::case_report_html(c.input());
        edx::report::write_html_file(argv[1], html);
        std::printf("%s: %zu sweeps, %.1f MB\n", argv[1], study.recordings[0].sweep_count, html.size() / 1e6);
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "report_render_fixture: %s\n", e.what());
        return 1;
    }
}
