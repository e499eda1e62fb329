#include "cli.hpp"

namespace edx::cli {

int run_info(const std::vector<std::string>& args) {
    po::options_description options("options");
    if (!parse(args, "edx info", "(not yet implemented)", options)) return 0;
    throw UsageError("edx info is not implemented yet");
}

}  // namespace edx::cli
