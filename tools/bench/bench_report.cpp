// The HTML case report of a study with one long H-reflex series: the page's
// size and the time to build it (sweeps quantised and base64-encoded, tables,
// uPlot inlined), for 1,000 and 10,000 sweeps of 100 ms at 10 kHz. The
// recording has no position markers: the FAIR estimate on 10,000 sweeps is
// not what this measures (and takes far longer than the report).
#include <chrono>
#include <cstdio>
#include <string>

#include "edx/report/case_report.hpp"
#include "long_series_case.hpp"

int main() {
    std::printf("sweeps  samples     page (MB)  MB per 1,000 sweeps  build (s)\n");
    for (const int sweeps : {1000, 10000}) {
        const auto c = edx::test::long_series_case(sweeps, 3, "BENCH");
        const auto& study = c.study;
        const auto input = c.input();
        const auto t0 = std::chrono::steady_clock::now();
        const std::string html = edx::report::case_report_html(input);
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        const double mb = static_cast<double>(html.size()) / 1e6;
        std::printf("%6d  %10zu  %9.1f  %19.2f  %9.3f\n", sweeps, study.recordings[0].samples.size(), mb, mb / sweeps * 1000.0,
                    seconds);
    }
    return 0;
}
