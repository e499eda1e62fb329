#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <unistd.h>

#include "edx/io/input_error.hpp"
#include "edx/report/html_page.hpp"
#include "report_page.hpp"

using namespace edx;

TEST_CASE("a page is self-contained: uPlot, its licence, the notice, the data and no external reference", "[report][page]") {
    report::HtmlPage page("edx case report: <SIM-1>");
    page.add_fact("subject", "SIM-1");
    page.add_section({"fair", "FAIR", report::plot_container("fair-time-course-0", "fair-time-course", "caption")});
    page.add_plot("fair-time-course-0", {{"kind", "fair-time-course"}, {"time_s", {1.0, 2.0}}});
    page.add_shared("sweeps-0", {{"frames", 3}});
    const std::string html = page.render();

    REQUIRE(html.find(report::kDecisionSupportNotice) != std::string::npos);
    REQUIRE(html.find("edx case report: &lt;SIM-1&gt;") != std::string::npos);
    REQUIRE(html.find("Permission is hereby granted, free of charge") != std::string::npos);  // the MIT licence text
    REQUIRE(html.find("uPlot " + report::uplot_version()) != std::string::npos);
    REQUIRE(report::uplot_version() == "1.6.32");  // the version package-lock.json pins
    REQUIRE(html.find("var uPlot") != std::string::npos);
    // Opens offline: nothing is fetched.
    REQUIRE(html.find("src=\"http") == std::string::npos);
    REQUIRE(html.find("href=\"http") == std::string::npos);
    REQUIRE(html.find("<link") == std::string::npos);

    const auto data = test::page_data(html);
    REQUIRE(data.at("plots").at("fair-time-course-0").at("time_s") == nlohmann::json({1.0, 2.0}));
    REQUIRE(data.at("shared").at("sweeps-0").at("frames") == 3);
    REQUIRE(test::attribute_values(html, "data-plot-id") == std::vector<std::string>{"fair-time-course-0"});
}

TEST_CASE("a plot id is used once and every plot names its kind", "[report][page]") {
    report::HtmlPage page("t");
    page.add_plot("a", {{"kind", "roc"}});
    REQUIRE_THROWS_AS(page.add_plot("a", {{"kind", "roc"}}), std::invalid_argument);
    REQUIRE_THROWS_AS(page.add_plot("b", {{"x", 1}}), std::invalid_argument);
    REQUIRE_THROWS_AS(page.add_section({"Bad Id", "h", ""}), std::invalid_argument);
}

TEST_CASE("write_html_file replaces the file whole and leaves no temporary beside it", "[report][page]") {
    const auto dir = std::filesystem::temp_directory_path() / ("edx_report_page_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const auto file = dir / "out.html";
    report::write_html_file(file, "first");
    report::write_html_file(file, "<html>second</html>");
    std::ifstream in(file);
    std::stringstream s;
    s << in.rdbuf();
    REQUIRE(s.str() == "<html>second</html>");
    REQUIRE(std::distance(std::filesystem::directory_iterator(dir), std::filesystem::directory_iterator()) == 1);
    REQUIRE_THROWS_AS(report::write_html_file(dir / "missing" / "x.html", "x"), InputError);
    std::filesystem::remove_all(dir);
}
