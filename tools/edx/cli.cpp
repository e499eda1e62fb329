#include "cli.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <iostream>

#include "edx/report/html_text.hpp"

namespace edx::cli {

std::optional<po::variables_map> parse(const std::vector<std::string>& args, std::string_view usage,
                                       std::string_view summary, const po::options_description& options,
                                       const po::positional_options_description& positional) {
    po::options_description all;
    all.add_options()("help,h", "show this help");
    all.add(options);
    po::variables_map vm;
    po::store(po::command_line_parser(args).options(all).positional(positional).run(), vm);
    if (vm.count("help")) {
        std::cout << "usage: " << usage << "\n\n" << summary << "\n\n" << all << "\n";
        return std::nullopt;
    }
    po::notify(vm);
    return vm;
}

std::string fixed_text(const std::optional<double>& value, int decimals) {
    // The reports' formatter: a number reads the same on the terminal and in a page.
    return report::number_text(value, decimals);
}

std::string utc_now_iso8601() {
    const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm tm{};
    gmtime_r(&now, &tm);
    char buffer[32];
    std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buffer;
}

}  // namespace edx::cli
