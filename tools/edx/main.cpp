// edx: the command line. Each subcommand lives in cmd_<name>.cpp; this file
// dispatches and turns errors into the exit-status contract.
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "cli.hpp"
#include "edx/io/input_error.hpp"

namespace {

void print_overview(std::ostream& out) {
    out << "usage: edx <command> [options]\n\n"
           "edx measures nerve-conduction, H-reflex and needle-EMG recordings and helps tell\n"
           "deep gluteal syndrome from lumbosacral radiculopathy. Decision support, not a diagnosis.\n\n"
           "commands:\n";
    for (const auto& c : edx::cli::commands()) {
        out << "  " << c.name << std::string(12 - std::min<std::size_t>(c.name.size(), 11), ' ') << c.summary
            << "\n";
    }
    out << "\n'edx <command> --help' describes a command. Exit status: 0 ok, 2 bad input, 1 internal error.\n";
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
        print_overview(args.empty() ? std::cerr : std::cout);
        return args.empty() ? 2 : 0;
    }
    const std::string name = args[0];
    args.erase(args.begin());
    for (const auto& command : edx::cli::commands()) {
        if (command.name != name) continue;
        try {
            return command.run(args);
        } catch (const edx::InputError& e) {
            std::cerr << "edx " << name << ": " << e.what() << "\n";
            return 2;
        } catch (const edx::cli::UsageError& e) {
            std::cerr << "edx " << name << ": " << e.what() << " (see 'edx " << name << " --help')\n";
            return 2;
        } catch (const boost::program_options::error& e) {
            std::cerr << "edx " << name << ": " << e.what() << " (see 'edx " << name << " --help')\n";
            return 2;
        } catch (const std::exception& e) {
            std::cerr << "edx " << name << ": internal error: " << e.what() << "\n";
            return 1;
        }
    }
    std::cerr << "edx: unknown command '" << name << "' (see 'edx --help')\n";
    return 2;
}
