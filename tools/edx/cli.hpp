// What every edx subcommand shares: the command table, option parsing with
// --help, and the exit-status contract (0 ok, 2 bad input or usage, 1 internal
// error). Subcommands stay thin: parse, call the library, print.
#pragma once

#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <boost/program_options.hpp>

#include "edx/report/html_page.hpp"

namespace edx::cli {

namespace po = boost::program_options;

// A command line the user got wrong: exit status 2, one line on stderr.
class UsageError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct Command {
    std::string_view name;
    std::string_view summary;
    int (*run)(const std::vector<std::string>& args);
};

const std::vector<Command>& commands();

// Parses `args` (without the subcommand name). Prints usage, the summary and
// the options to stdout and returns nullopt when --help is given.
std::optional<po::variables_map> parse(const std::vector<std::string>& args, std::string_view usage,
                                       std::string_view summary, const po::options_description& options,
                                       const po::positional_options_description& positional = {});

// A value for a text report: fixed decimals, "-" when it does not exist or is not finite.
std::string fixed_text(const std::optional<double>& value, int decimals = 2);

// Now, as 2026-11-28T12:00:00Z: when a report was made.
std::string utc_now_iso8601();

// The notice every clinical output opens with.
inline constexpr const char* kDecisionSupportNotice = report::kDecisionSupportNotice;

}  // namespace edx::cli
