#include "cli.hpp"

#include <cmath>
#include <cstdio>
#include <iostream>

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
    if (!value || !std::isfinite(*value)) return "-";
    char buffer[48];
    std::snprintf(buffer, sizeof buffer, "%.*f", decimals, *value);
    return buffer;
}

}  // namespace edx::cli
