#include "cli.hpp"

namespace edx::cli {

int run_analyze(const std::vector<std::string>& args) {
    po::options_description options("options");
    if (!parse(args, "edx analyze", "(not yet implemented)", options)) return 0;
    throw UsageError("edx analyze is not implemented yet");
}

}  // namespace edx::cli
