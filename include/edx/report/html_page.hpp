// One self-contained HTML page: a header (title, what it describes, the
// decision-support notice), sections of tables and plot containers, the data
// the plots draw as JSON, and uPlot with the plot script inlined, so the file
// opens offline. Written atomically.
#pragma once

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace edx::report {

// Every page carries it, first thing under the title.
inline constexpr const char* kDecisionSupportNotice =
    "Decision support for a clinical neurophysiologist, not a diagnosis.";

struct PageSection {
    std::string id;       // element id, [a-z0-9-]
    std::string heading;  // plain text
    std::string body_html;
};

class HtmlPage {
public:
    explicit HtmlPage(std::string title);

    // Lines of the header as label/value pairs (plain text), e.g. {"subject", "SIM-0001"}.
    void add_fact(std::string label, std::string value);
    void add_section(PageSection section);
    // The data of one plot, drawn into the container plot_container(id) returns.
    // spec["kind"] names the drawing (report_plots.js); throws std::invalid_argument
    // when the id is taken or the kind is missing.
    void add_plot(const std::string& id, nlohmann::ordered_json spec);
    // Shared data plots refer to by key (e.g. the sweeps of a recording, drawn by two plots).
    void add_shared(const std::string& key, nlohmann::ordered_json value);

    // The whole page.
    std::string render() const;

private:
    std::string title_;
    std::vector<std::pair<std::string, std::string>> facts_;
    std::vector<PageSection> sections_;
    nlohmann::ordered_json plots_ = nlohmann::ordered_json::object();
    nlohmann::ordered_json shared_ = nlohmann::ordered_json::object();
};

// The container a plot is drawn into: <div class="plot" data-plot="<kind>"
// data-plot-id="<id>">; the script adds data-points="<n>" once drawn (n data
// points on screen), or data-error when it could not draw.
std::string plot_container(const std::string& id, const std::string& kind, const std::string& caption);

// The uPlot version the pages inline (from its package.json).
std::string uplot_version();

// Writes beside the target and renames, so a reader never sees half a page.
// Throws edx::InputError naming the file when it cannot.
void write_html_file(const std::filesystem::path& file, const std::string& html);

}  // namespace edx::report
