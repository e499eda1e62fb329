// The table of subcommands, in the order `edx --help` lists them.
#include "cli.hpp"

namespace edx::cli {

int run_info(const std::vector<std::string>& args);
int run_simulate(const std::vector<std::string>& args);
int run_analyze(const std::vector<std::string>& args);
int run_filter(const std::vector<std::string>& args);
int run_diagnose(const std::vector<std::string>& args);
int run_stream(const std::vector<std::string>& args);
int run_replay(const std::vector<std::string>& args);
int run_emg(const std::vector<std::string>& args);
int run_fair(const std::vector<std::string>& args);
int run_hreflex(const std::vector<std::string>& args);
int run_ncs(const std::vector<std::string>& args);
int run_fair_study(const std::vector<std::string>& args);
int run_fair_cohort(const std::vector<std::string>& args);
int run_report(const std::vector<std::string>& args);

const std::vector<Command>& commands() {
    static const std::vector<Command> table = {
        {"info", "list the recordings of a file: kinds, durations, sweeps, markers, non-finite samples", run_info},
        {"simulate", "write simulated recordings with known truth (layout v1 + truth JSON)", run_simulate},
        {"filter", "filter every recording (Butterworth, mains notch, zero-phase) into a new file", run_filter},
        {"emg", "needle EMG: spontaneous activity, motor units, the call per muscle and the lesion localisation", run_emg},
        {"ncs", "nerve conduction (motor, sensory, velocities) and F-waves of every such recording", run_ncs},
        {"hreflex", "H-reflex: M and H latency and amplitude, H/M, Hmax/Mmax, expected latency, side to side", run_hreflex},
        {"fair", "dynamic FAIR H-wave delay per leg: latency time course, delay with 95% CI, onset, verdict", run_fair},
        {"fair-study", "validate the FAIR test on a cohort (manifest): accuracy, ROC, cut-off, correlation, retest", run_fair_study},
        {"fair-cohort", "write a simulated FAIR cohort with its manifest, to try fair-study", run_fair_cohort},
        {"analyze", "run every analysis that applies to a file and summarise it", run_analyze},
        {"report", "the HTML report of a case (edx analyze --out file): waveforms, FAIR time course, EMG, diagnosis", run_report},
        {"diagnose", "how likely deep gluteal syndrome (which kind), L5/S1 radiculopathy or neither, and why", run_diagnose},
        {"stream", "serve live sessions (stream protocol v1 over TCP or stdin), events as JSON lines", run_stream},
        {"replay", "stream a recording to `edx stream` as an acquisition system would", run_replay},
    };
    return table;
}

}  // namespace edx::cli
