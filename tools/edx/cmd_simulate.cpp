#include "cli.hpp"

namespace edx::cli {

int run_simulate(const std::vector<std::string>& args) {
    po::options_description options("options");
    if (!parse(args, "edx simulate", "(not yet implemented)", options)) return 0;
    throw UsageError("edx simulate is not implemented yet");
}

}  // namespace edx::cli
