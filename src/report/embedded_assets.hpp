// The files embedded at build time (cmake/EmbedText.cmake, src/report/CMakeLists.txt).
#pragma once

#include <string_view>

namespace edx::report::detail {

std::string_view uplot_js();
std::string_view uplot_css();
std::string_view uplot_license();
std::string_view uplot_package_json();
std::string_view report_plots_js();

}  // namespace edx::report::detail
