#include "edx/report/html_page.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <fstream>
#include <random>
#include <stdexcept>

#include "edx/io/input_error.hpp"
#include "edx/report/html_text.hpp"
#include "embedded_assets.hpp"

namespace edx::report {

namespace {

constexpr const char* kStyle = R"css(
body { font-family: system-ui, sans-serif; margin: 1.5em auto; max-width: 1100px; color: #222; background: #fff; }
header { border-bottom: 2px solid #345; margin-bottom: 1em; }
.notice { background: #fff4d6; border: 1px solid #e0b84c; padding: 0.5em 0.8em; font-weight: 600; }
dl.facts { display: grid; grid-template-columns: max-content auto; gap: 0.2em 1em; }
dl.facts dt { color: #555; }
section { margin: 1.5em 0; overflow-x: auto; }
td ul { margin: 0; padding-left: 1.2em; }
h2 { border-bottom: 1px solid #ccd; }
table { border-collapse: collapse; margin: 0.5em 0; font-size: 0.9em; }
th, td { border: 1px solid #ccd; padding: 0.2em 0.5em; text-align: left; vertical-align: top; }
th { background: #eef; }
.plot { margin: 0.5em 0; min-height: 320px; }
.plot[data-error]::after { content: "plot not drawn: " attr(data-error); color: #a00; }
.caption { color: #555; font-size: 0.9em; }
.missing { color: #666; font-style: italic; }
.controls { font-size: 0.9em; margin: 0.3em 0; }
)css";

bool valid_id(const std::string& id) {
    if (id.empty()) return false;
    for (const char c : id) {
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) return false;
    }
    return true;
}

std::string comment_safe(std::string_view text) {
    // "--" may not appear inside an HTML comment.
    std::string out(text);
    for (std::size_t p = out.find("--"); p != std::string::npos; p = out.find("--", p)) out.replace(p, 2, "- -");
    return out;
}

}  // namespace

HtmlPage::HtmlPage(std::string title) : title_(std::move(title)) {}

void HtmlPage::add_fact(std::string label, std::string value) { facts_.emplace_back(std::move(label), std::move(value)); }

void HtmlPage::add_section(PageSection section) {
    if (!valid_id(section.id)) throw std::invalid_argument("HtmlPage::add_section: id '" + section.id + "' is not [a-z0-9_-]+");
    sections_.push_back(std::move(section));
}

void HtmlPage::add_plot(const std::string& id, nlohmann::ordered_json spec) {
    if (plots_.contains(id)) throw std::invalid_argument("HtmlPage::add_plot: plot id '" + id + "' is taken");
    if (!spec.is_object() || !spec.contains("kind")) throw std::invalid_argument("HtmlPage::add_plot: plot '" + id + "' has no kind");
    plots_[id] = std::move(spec);
}

void HtmlPage::add_shared(const std::string& key, nlohmann::ordered_json value) {
    if (shared_.contains(key)) throw std::invalid_argument("HtmlPage::add_shared: key '" + key + "' is taken");
    shared_[key] = std::move(value);
}

std::string HtmlPage::render() const {
    std::string out;
    out += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
    out += "<meta name=\"generator\" content=\"edx\">\n";
    out += "<title>" + html_escape(title_) + "</title>\n";
    out += "<!--\nPlots drawn with uPlot " + comment_safe(uplot_version()) + " (https://github.com/leeoniya/uPlot), inlined below. Its licence:\n\n";
    out += comment_safe(detail::uplot_license());
    out += "\n-->\n<style>\n";
    out += detail::uplot_css();
    out += "\n</style>\n<style>";
    out += kStyle;
    out += "</style>\n</head>\n<body>\n<header>\n<h1>" + html_escape(title_) + "</h1>\n";
    out += "<p class=\"notice\" id=\"decision-support-notice\">" + html_escape(kDecisionSupportNotice) + "</p>\n";
    out += "<dl class=\"facts\">\n";
    for (const auto& [label, value] : facts_) out += "<dt>" + html_escape(label) + "</dt><dd>" + html_escape(value) + "</dd>\n";
    out += "</dl>\n</header>\n";
    for (const auto& s : sections_) {
        out += "<section id=\"" + s.id + "\">\n<h2>" + html_escape(s.heading) + "</h2>\n" + s.body_html + "\n</section>\n";
    }
    out += "<footer class=\"caption\"><p>Made by edx; plots by uPlot " + html_escape(uplot_version()) +
           " (MIT licence, in this file's head). Drag on a plot to zoom, double-click to zoom out.</p></footer>\n";
    nlohmann::ordered_json data;
    data["plots"] = plots_;
    data["shared"] = shared_;
    out += "<script type=\"application/json\" id=\"edx-data\">" + script_json(data) + "</script>\n";
    out += "<script>\n";
    out += detail::uplot_js();
    out += "\n</script>\n<script>\n";
    out += detail::report_plots_js();
    out += "\n</script>\n</body>\n</html>\n";
    return out;
}

std::string plot_container(const std::string& id, const std::string& kind, const std::string& caption) {
    return "<div class=\"plot\" data-plot=\"" + html_escape(kind) + "\" data-plot-id=\"" + html_escape(id) + "\"></div>\n" +
           (caption.empty() ? std::string() : "<p class=\"caption\">" + html_escape(caption) + "</p>\n");
}

std::string uplot_version() {
    return nlohmann::json::parse(detail::uplot_package_json()).at("version").get<std::string>();
}

void write_html_file(const std::filesystem::path& file, const std::string& html) {
    const std::string shown = file.string();
    if (file.filename().empty()) throw InputError(shown, "", "cannot write: the path names no file");
    std::random_device device;
    const std::filesystem::path temp =
        file.parent_path() / ("." + file.filename().string() + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(device()));
    try {
        {
            std::ofstream out(temp, std::ios::binary | std::ios::trunc);
            if (!out) throw InputError(shown, "", "cannot write the file (cannot create " + temp.string() + ")");
            out.write(html.data(), static_cast<std::streamsize>(html.size()));
            out.flush();
            if (!out) throw InputError(shown, "", "cannot write the file (writing " + temp.string() + " failed)");
        }
        // The bytes must be on disk before the rename makes them the file.
        const int fd = ::open(temp.c_str(), O_RDONLY);
        if (fd < 0 || ::fsync(fd) != 0) {
            if (fd >= 0) ::close(fd);
            throw InputError(shown, "", "cannot write the file (fsync of " + temp.string() + " failed)");
        }
        ::close(fd);
        std::error_code ec;
        std::filesystem::rename(temp, file, ec);
        if (ec) throw InputError(shown, "", "cannot write the file (rename from " + temp.string() + ": " + ec.message() + ")");
    } catch (...) {
        std::error_code ignored;
        std::filesystem::remove(temp, ignored);
        throw;
    }
}

}  // namespace edx::report
