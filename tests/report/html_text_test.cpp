#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <stdexcept>

#include "edx/report/html_text.hpp"

using namespace edx::report;

TEST_CASE("html_escape turns every markup character into an entity", "[report][html]") {
    REQUIRE(html_escape("a<b>&\"c'") == "a&lt;b&gt;&amp;&quot;c&#39;");
    REQUIRE(html_escape("soleus_h_left 30.4 ms") == "soleus_h_left 30.4 ms");
}

TEST_CASE("number_text prints fixed decimals and '-' for a value that does not exist", "[report][html]") {
    REQUIRE(number_text(30.73692636, 2) == "30.74");
    REQUIRE(number_text(-0.0094736, 3) == "-0.009");
    REQUIRE(number_text(std::nullopt) == "-");
    REQUIRE(number_text(std::numeric_limits<double>::quiet_NaN()) == "-");
    REQUIRE(number_text(std::numeric_limits<double>::infinity()) == "-");
}

TEST_CASE("script_json cannot close its script block and reads back to the same values", "[report][html]") {
    nlohmann::ordered_json j;
    j["name"] = "</script><script>alert(1)</script>";
    j["latency_ms"] = 30.736926360015010;
    j["tiny"] = 1.4812069208204539e-05;
    const std::string text = script_json(j);
    REQUIRE(text.find('<') == std::string::npos);
    const auto back = nlohmann::json::parse(text);
    REQUIRE(back.at("name") == j.at("name"));
    // Exact: the page's numbers are the document's doubles, not rounded copies.
    REQUIRE(back.at("latency_ms").get<double>() == j.at("latency_ms").get<double>());
    REQUIRE(back.at("tiny").get<double>() == j.at("tiny").get<double>());
}

TEST_CASE("an HtmlTable renders escaped cells and refuses a row of the wrong width", "[report][html]") {
    HtmlTable t{{"muscle", "amplitude (uV)"}, {{"tibialis <anterior>", "854.5"}}};
    const std::string html = t.render();
    REQUIRE(html.find("<th>amplitude (uV)</th>") != std::string::npos);
    REQUIRE(html.find("<td>tibialis &lt;anterior&gt;</td>") != std::string::npos);
    t.rows.push_back({"one cell"});
    REQUIRE_THROWS_AS(t.render(), std::invalid_argument);
}
