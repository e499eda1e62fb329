// The table of subcommands, in the order `edx --help` lists them.
#include "cli.hpp"

namespace edx::cli {

int run_info(const std::vector<std::string>& args);
int run_simulate(const std::vector<std::string>& args);
int run_analyze(const std::vector<std::string>& args);
int run_filter(const std::vector<std::string>& args);

const std::vector<Command>& commands() {
    static const std::vector<Command> table = {
        {"info", "list the recordings of a file: kinds, durations, sweeps, markers, non-finite samples", run_info},
        {"simulate", "write simulated recordings with known truth (layout v1 + truth JSON)", run_simulate},
        {"filter", "filter every recording (Butterworth, mains notch, zero-phase) into a new file", run_filter},
        {"analyze", "run every analysis that applies to a file and summarise it", run_analyze},
    };
    return table;
}

}  // namespace edx::cli
