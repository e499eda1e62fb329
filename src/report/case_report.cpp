#include "edx/report/case_report.hpp"

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "edx/io/input_error.hpp"
#include "edx/report/html_page.hpp"
#include "edx/report/html_text.hpp"
#include "edx/report/sweep_encoding.hpp"

namespace edx::report {

namespace {

using Json = nlohmann::ordered_json;

// A number of the document: unset when absent or null; a non-number is the
// document's fault and stops the report (json type_error, turned into InputError).
std::optional<double> number(const Json& object, const char* key) {
    const auto it = object.find(key);
    if (it == object.end() || it->is_null()) return std::nullopt;
    if (!it->is_number()) throw std::invalid_argument(std::string("'") + key + "' is not a number");
    return it->get<double>();
}

std::string text(const Json& object, const char* key) {
    const auto it = object.find(key);
    if (it == object.end() || it->is_null()) return "";
    if (it->is_string()) return it->get<std::string>();
    return it->dump();
}

std::string yes_no(const Json& object, const char* key, const char* yes = "yes", const char* no = "no") {
    const auto it = object.find(key);
    if (it == object.end() || it->is_null()) return "-";
    return it->get<bool>() ? yes : no;
}

// A section's array; empty when the document does not have it.
const Json& array_of(const Json& doc, const char* key) {
    static const Json empty = Json::array();
    const auto it = doc.find(key);
    if (it == doc.end() || it->is_null()) return empty;
    if (!it->is_array()) throw std::invalid_argument(std::string("'") + key + "' is not an array");
    return *it;
}

std::string missing(const std::string& why) { return "<p class=\"missing\">" + html_escape(why) + "</p>\n"; }

std::string label_of(const std::string& name, const std::string& side) { return side.empty() ? name : name + " (" + side + ")"; }

std::string plot_id(const std::string& prefix, std::size_t index) { return prefix + "-" + std::to_string(index); }

// ---- H-reflex ---------------------------------------------------------------

std::string h_reflex_section(const Json& doc, const Study& study, HtmlPage& page) {
    const Json& h = array_of(doc, "h_reflex");
    if (h.empty()) return missing("no H-reflex recording in this study");
    std::string body;
    HtmlTable table{{"recording", "M onset (ms)", "M amplitude (mV)", "H present", "H onset (ms)", "H amplitude (mV)", "H/M",
                     "expected H (ms)", "H minus expected (ms)", "sweeps used", "sweeps excluded"},
                    {}};
    for (const auto& r : h) {
        table.rows.push_back({label_of(text(r, "recording"), text(r, "side")), number_text(number(r, "m_latency_ms")),
                              number_text(number(r, "m_amplitude_mv"), 3), yes_no(r, "h_present"),
                              number_text(number(r, "h_latency_ms")), number_text(number(r, "h_amplitude_mv"), 3),
                              number_text(number(r, "h_m_ratio")), number_text(number(r, "expected_h_latency_ms")),
                              number_text(number(r, "h_latency_minus_expected_ms")), number_text(number(r, "sweeps_used"), 0),
                              number_text(number(r, "sweeps_excluded"), 0)});
    }
    body += table.render();
    if (const auto s = doc.find("h_side_to_side"); s != doc.end() && s->is_object()) {
        if (number(*s, "difference_ms")) {
            body += "<p>Side to side: H latency difference " + number_text(number(*s, "difference_ms")) + " ms, limit " +
                    number_text(number(*s, "limit_ms"), 1) + " ms [" + html_escape(text(*s, "limit_source")) + "]: " +
                    (s->value("beyond_limit", false) ? "<strong>beyond the limit</strong>" : "within the limit") + ".</p>\n";
        } else if (!text(*s, "note").empty()) {
            body += "<p>Side to side: " + html_escape(text(*s, "note")) + "</p>\n";
        }
    }

    for (std::size_t i = 0; i < h.size(); ++i) {
        const Json& r = h[i];
        const std::string name = text(r, "recording");
        body += "<h3>" + html_escape(label_of(name, text(r, "side"))) + "</h3>\n";
        const Recording* rec = study.find(name);
        if (rec == nullptr || rec->form != SampleForm::sweeps || rec->sweep_count == 0) {
            body += missing(rec == nullptr ? "the recording '" + name + "' is not in the file: no waveforms to draw"
                                           : "the recording '" + name + "' holds no sweeps: no waveforms to draw");
            continue;
        }
        const std::string key = "sweeps-" + std::to_string(i);
        nlohmann::ordered_json sweeps = sweeps_json(*rec);
        const double scale = sweeps.at("scale").get<double>();
        page.add_shared(key, std::move(sweeps));

        Json cursors = Json::array();
        auto cursor = [&](const char* label, const char* field) {
            if (const auto v = number(r, field)) cursors.push_back({{"label", label}, {"ms", *v}});
        };
        cursor("M onset", "m_latency_ms");
        cursor("M peak", "m_peak_latency_ms");
        if (r.value("h_present", false)) {
            cursor("H onset", "h_latency_ms");
            cursor("H peak", "h_peak_latency_ms");
        }
        cursor("expected H onset", "expected_h_latency_ms");
        Json excluded = Json::array();
        for (const auto& s : array_of(r, "sweeps")) {
            if (s.contains("excluded") && !s.at("excluded").is_null()) excluded.push_back(s.at("sweep"));
        }
        const std::string wave_id = plot_id("h-waveforms", i);
        page.add_plot(wave_id, {{"kind", "h-waveforms"}, {"sweeps", key}, {"cursors", cursors}, {"excluded_sweeps", excluded}});
        body += plot_container(wave_id, "h-waveforms",
                               "Mean of the " + std::to_string(rec->sweep_count - excluded.size()) +
                                   " sweeps used and one sweep chosen with the slider; time after the stimulus. Vertical "
                                   "lines: the latencies of the results document (M and H onset and negative peak, expected H onset).");
        const std::string train_id = plot_id("h-sweeps", i);
        page.add_plot(train_id, {{"kind", "h-sweeps"}, {"sweeps", key}});
        body += plot_container(train_id, "h-sweeps",
                               "All " + std::to_string(rec->sweep_count) +
                                   " sweeps end to end (x: sweep number). Drawn as the minimum and maximum per pixel; zoom "
                                   "in for every sample. Samples stored as 16-bit counts of " +
                                   number_text(scale, 7) + " " + std::string(to_string(rec->info.units)) + ".");
    }
    return body;
}

// ---- FAIR -------------------------------------------------------------------

std::string fair_section(const Json& doc, const Study& study, HtmlPage& page) {
    const Json& fair = array_of(doc, "fair");
    if (fair.empty()) return missing("no FAIR recording in this study (H-reflex sweeps with position=fair markers)");
    std::string body;
    HtmlTable table{{"leg", "anatomic H (ms)", "FAIR H (ms)", "delay (ms)", "delay 95% CI (ms)", "criterion (ms)", "verdict",
                     "differs from 0", "appeared after FAIR marker (s)", "sweeps anatomic / FAIR"},
                    {}};
    for (const auto& f : fair) {
        std::string ci = "-";
        if (const auto it = f.find("delay_ci95_ms"); it != f.end() && it->is_array() && it->size() == 2 &&
                                                     it->at(0).is_number() && it->at(1).is_number()) {
            ci = interval_text(it->at(0).get<double>(), it->at(1).get<double>());
        }
        const bool ok = text(f, "status") == "ok";
        table.rows.push_back({label_of(text(f, "name"), text(f, "side")), number_text(number(f, "anatomic_latency_ms")),
                              number_text(number(f, "fair_latency_ms")), number_text(number(f, "delay_ms")), ci,
                              number_text(number(f, "criterion_ms")),
                              ok ? yes_no(f, "positive", "POSITIVE", "negative") + (f.value("criterion_in_ci", false) ? " (borderline)" : "")
                                 : "insufficient data: " + text(f, "reason"),
                              yes_no(f, "significant"), number_text(number(f, "onset_after_fair_s"), 1),
                              number_text(number(f, "n_anatomic"), 0) + " / " + number_text(number(f, "n_fair"), 0)});
    }
    body += table.render();
    if (const auto l = doc.find("fair_legs"); l != doc.end() && l->is_object() && number(*l, "delay_difference_ms")) {
        const auto& ci = l->at("delay_difference_ci95_ms");
        body += "<p>" + html_escape(text(l->at("first"), "side")) + " minus " + html_escape(text(l->at("second"), "side")) +
                " delay: " + number_text(number(*l, "delay_difference_ms")) + " ms, 95% CI " +
                interval_text(ci.at(0).get<double>(), ci.at(1).get<double>()) + " ms.</p>\n";
    }
    for (std::size_t i = 0; i < fair.size(); ++i) {
        const Json& f = fair[i];
        const std::string name = text(f, "name");
        body += "<h3>" + html_escape(label_of(name, text(f, "side"))) + "</h3>\n";
        Json t = Json::array(), latency = Json::array(), role = Json::array();
        for (const auto& s : array_of(f, "time_course")) {
            t.push_back(s.at("time_s"));
            latency.push_back(s.contains("h_latency_ms") ? s.at("h_latency_ms") : Json());
            role.push_back(text(s, "role"));
        }
        if (t.empty()) {
            body += missing("no sweeps in the time course: " + text(f, "reason"));
            continue;
        }
        Json markers = Json::array();
        if (const Recording* rec = study.find(name)) {
            for (const auto& m : rec->markers) {
                if (const auto position = m.value_of("position")) {
                    markers.push_back({{"time_s", m.time_s}, {"position", std::string(*position)}});
                }
            }
        }
        Json spec = {{"kind", "fair-time-course"}, {"time_s", t}, {"h_latency_ms", latency}, {"role", role}, {"markers", markers}};
        spec["anatomic_latency_ms"] = f.contains("anatomic_latency_ms") ? f.at("anatomic_latency_ms") : Json();
        spec["fair_latency_ms"] = f.contains("fair_latency_ms") ? f.at("fair_latency_ms") : Json();
        spec["delay_ms"] = f.contains("delay_ms") ? f.at("delay_ms") : Json();
        spec["delay_ci95_ms"] = f.contains("delay_ci95_ms") ? f.at("delay_ci95_ms") : Json();
        const std::string id = plot_id("fair-time-course", i);
        page.add_plot(id, spec);
        body += plot_container(id, "fair-time-course",
                               "H onset latency of each sweep against time, by its role in the estimate (anatomic, FAIR, "
                               "other). Vertical lines: the position markers (FAIR marker in red). Horizontal lines: the "
                               "anatomic and FAIR latencies; their difference is the delay in the table.");
        if (markers.empty()) body += missing("the recording '" + name + "' is not in the file: position markers not drawn");
    }
    return body;
}

// ---- nerve conduction -------------------------------------------------------

std::string ncs_section(const Json& doc) {
    const Json& ncs = array_of(doc, "nerve_conduction");
    const Json& cv = array_of(doc, "conduction_velocities");
    const Json& fw = array_of(doc, "f_waves");
    if (ncs.empty() && fw.empty()) return missing("no nerve conduction or F-wave recording in this study");
    std::string body;
    if (!ncs.empty()) {
        HtmlTable t{{"recording", "kind", "nerve", "side", "stimulation site", "present", "onset (ms)", "peak (ms)",
                     "amplitude (mV)", "distance (mm)"},
                    {}};
        for (const auto& m : ncs) {
            t.rows.push_back({text(m, "recording"), text(m, "kind"), text(m, "nerve"), text(m, "side"), text(m, "stim_site"),
                              yes_no(m, "present"), number_text(number(m, "onset_latency_ms")), number_text(number(m, "peak_latency_ms")),
                              number_text(number(m, "amplitude_mv"), 4), number_text(number(m, "distance_mm"), 1)});
        }
        body += t.render();
    }
    if (!cv.empty()) {
        HtmlTable t{{"nerve", "side", "segment", "velocity (m/s)"}, {}};
        for (const auto& v : cv) {
            t.rows.push_back({text(v, "nerve"), text(v, "side"), text(v, "from_site").empty() ? text(v, "to_site") : text(v, "from_site") + " - " + text(v, "to_site"),
                              number_text(number(v, "cv_m_per_s"), 1)});
        }
        body += t.render();
    }
    if (!fw.empty()) {
        HtmlTable t{{"F-waves", "side", "minimal latency (ms)", "mean latency (ms)", "persistence (%)", "chronodispersion (ms)"}, {}};
        for (const auto& f : fw) {
            const auto p = number(f, "persistence");
            t.rows.push_back({text(f, "recording"), text(f, "side"), number_text(number(f, "f_min_latency_ms")),
                              number_text(number(f, "f_mean_latency_ms")), number_text(p ? std::optional<double>(*p * 100.0) : std::nullopt, 0),
                              number_text(number(f, "chronodispersion_ms"))});
        }
        body += t.render();
    }
    return body;
}

// ---- needle EMG -------------------------------------------------------------

std::string list_html(const Json& items) {
    if (!items.is_array() || items.empty()) return "-";
    std::string out = "<ul>";
    for (const auto& i : items) out += "<li>" + html_escape(i.is_string() ? i.get<std::string>() : i.dump()) + "</li>";
    return out + "</ul>";
}

std::string emg_section(const Json& doc) {
    const auto e = doc.find("emg");
    if (e == doc.end() || e->is_null()) return missing("no needle EMG recording in this study");
    std::string body;
    HtmlTable t{{"muscle", "side", "fibrillations (/min)", "positive sharp waves (/min)", "fasciculations (/min)", "grade",
                 "motor units", "MUAP amplitude (uV)", "MUAP duration (ms)", "polyphasic (%)", "fastest rate (Hz)", "call"},
                {}};
    for (const auto& r : array_of(*e, "recordings")) {
        const Json none = Json::object();
        const Json& sp = r.contains("spontaneous") && r.at("spontaneous").is_object() ? r.at("spontaneous") : none;
        const Json& mu = r.contains("muap") && r.at("muap").is_object() ? r.at("muap") : none;
        t.rows.push_back({text(r, "muscle"), text(r, "side"), number_text(number(sp, "fibrillations_per_min"), 1),
                          number_text(number(sp, "psw_per_min"), 1), number_text(number(sp, "fasciculations_per_min"), 1),
                          text(sp, "grade_label"), number_text(number(mu, "n_units"), 0), number_text(number(mu, "mean_amplitude_uv"), 1),
                          number_text(number(mu, "mean_duration_ms"), 2), number_text(number(mu, "percent_polyphasic"), 1),
                          number_text(number(mu, "fastest_rate_hz"), 1), text(r, "call")});
    }
    body += t.render();
    for (const auto& loc : array_of(*e, "localisation")) {
        body += "<h3>Localisation, " + html_escape(text(loc, "side")) + " leg</h3>\n<p>" + html_escape(text(loc, "pattern")) + "</p>\n";
        body += "<table>\n<thead><tr><th>site</th><th>score</th><th>for</th><th>against</th></tr></thead>\n<tbody>\n";
        for (const auto& s : array_of(loc, "ranked")) {
            body += "<tr><td>" + html_escape(text(s, "label")) + "</td><td>" + number_text(number(s, "score"), 3) + "</td><td>" +
                    list_html(s.value("for", Json::array())) + "</td><td>" + list_html(s.value("against", Json::array())) + "</td></tr>\n";
        }
        body += "</tbody></table>\n";
    }
    return body;
}

// ---- diagnosis --------------------------------------------------------------

std::string diagnosis_section(const Json& doc, HtmlPage& page) {
    const auto d = doc.find("diagnosis");
    if (d == doc.end() || d->is_null()) {
        return missing("no clinical case: the diagnosis needs one (edx analyze --clinical CASE.json --out RESULTS.h5)");
    }
    std::string body = "<p class=\"notice\">" + html_escape(text(*d, "notice")) + "</p>\n";
    if (const auto rc = d->find("referral_context"); rc != d->end() && rc->is_object()) {
        body += "<p>Referral context: " + html_escape(text(*rc, "label")) + ". Case " + html_escape(text(*d, "case_id")) + ".</p>\n";
    }
    if (!d->value("probabilities_apply", true)) {
        body += "<p><strong>The probabilities do not apply to this case</strong> (see the red flags and notes).</p>\n";
    }
    const auto& posterior = d->at("posterior");
    HtmlTable t{{"hypothesis", "prior", "posterior mean", "95% interval", "point estimate"}, {}};
    Json labels = Json::array(), mean = Json::array(), lo = Json::array(), hi = Json::array();
    for (const auto& [key, p] : posterior.items()) {
        const auto& ci = p.at("ci95");
        t.rows.push_back({key, number_text(number(p, "prior"), 3), number_text(number(p, "mean"), 3),
                          interval_text(ci.at(0).get<double>(), ci.at(1).get<double>(), 3),
                          number_text(number(p, "point"), 3)});
        labels.push_back(key);
        mean.push_back(p.at("mean"));
        lo.push_back(ci.at(0));
        hi.push_back(ci.at(1));
    }
    body += "<p>Most probable: <strong>" + html_escape(text(*d, "leading")) + "</strong>.</p>\n" + t.render();
    page.add_plot("diagnosis-posterior", {{"kind", "posterior"}, {"labels", labels}, {"mean", mean}, {"ci95_lo", lo}, {"ci95_hi", hi}});
    body += plot_container("diagnosis-posterior", "posterior",
                           "Posterior probability of each hypothesis (bar: mean; whisker: 95% interval over the uncertainty "
                           "of the test accuracies).");
    HtmlTable reasons{{"finding", "observed", "favours", "against", "weight (log10 LR)"}, {}};
    for (const auto& c : array_of(*d, "contributions")) {
        reasons.rows.push_back({text(c, "label"), text(c, "observed"), text(c, "favours"), text(c, "against"),
                                number_text(number(c, "weight_log10"), 2)});
    }
    body += "<h3>Reasons (findings that counted)</h3>\n" + (reasons.rows.empty() ? missing("no finding counted") : reasons.render());
    HtmlTable not_counted{{"finding", "why not counted"}, {}};
    for (const auto& n : array_of(*d, "not_counted")) not_counted.rows.push_back({text(n, "finding"), text(n, "reason")});
    if (!not_counted.rows.empty()) body += "<h3>Not counted</h3>\n" + not_counted.render();
    std::string steps;
    for (const auto& s : array_of(*d, "next_steps")) {
        steps += "<li>" + html_escape(text(s, "text")) + " <span class=\"caption\">(" + html_escape(text(s, "why")) + ")</span></li>\n";
    }
    if (!steps.empty()) body += "<h3>Next steps to consider</h3>\n<ul>\n" + steps + "</ul>\n";
    std::string flags;
    for (const auto& f : array_of(*d, "red_flags")) flags += "<li>" + html_escape(f.is_string() ? f.get<std::string>() : f.dump()) + "</li>";
    if (!flags.empty()) body += "<h3>Red flags</h3>\n<ul>" + flags + "</ul>\n";
    return body;
}

std::string not_done_section(const Json& doc) {
    std::string body;
    HtmlTable skipped{{"analysis", "why it does not apply"}, {}};
    for (const auto& s : array_of(doc, "skipped_analyses")) skipped.rows.push_back({text(s, "analysis"), text(s, "reason")});
    HtmlTable failed{{"recording", "why it could not be analysed"}, {}};
    for (const auto& n : array_of(doc, "not_analysed")) failed.rows.push_back({text(n, "recording"), text(n, "reason")});
    if (!skipped.rows.empty()) body += skipped.render();
    if (!failed.rows.empty()) body += failed.render();
    return body.empty() ? missing("every analysis that applies ran; every recording was analysed") : body;
}

}  // namespace

std::string case_report_html(const CaseReportInput& input) {
    if (input.document == nullptr || input.study == nullptr) throw std::invalid_argument("case_report_html: document and study are required");
    const Json& doc = *input.document;
    const std::string where = "/results/document";
    if (!doc.is_object()) throw InputError(input.source, where, "the results document is not a JSON object");
    if (!doc.contains("version") || !doc.at("version").is_number_integer() || doc.at("version").get<int>() != 1) {
        throw InputError(input.source, where, "the results document is not version 1 (written by edx analyze --out)");
    }
    const Study& study = *input.study;
    HtmlPage page("edx case report: " + (doc.value("subject_id", std::string()).empty() ? std::string("(no subject id)")
                                                                                         : doc.at("subject_id").get<std::string>()));
    page.add_fact("subject", doc.value("subject_id", std::string()).empty() ? "(no id)" : doc.at("subject_id").get<std::string>());
    page.add_fact("file", doc.contains("file") && doc.at("file").is_string() ? doc.at("file").get<std::string>() : input.source);
    page.add_fact("session start", study.session_start.empty() ? "(not recorded)" : study.session_start);
    page.add_fact("analysed by", doc.value("generator", std::string("?")) + " (results document version 1)");
    page.add_fact("analysed at", doc.value("analysed_at_utc", std::string("(not recorded)")));
    page.add_fact("report made", input.generated_utc.empty() ? "-" : input.generated_utc);
    page.add_fact("recordings", std::to_string(study.recordings.size()));
    const char* current = "";
    try {
        current = "h_reflex";
        page.add_section({"h-reflex", "H-reflex", h_reflex_section(doc, study, page)});
        current = "fair";
        page.add_section({"fair", "FAIR H-wave delay (FAIR minus anatomic H latency)", fair_section(doc, study, page)});
        current = "nerve_conduction";
        page.add_section({"nerve-conduction", "Nerve conduction and F-waves", ncs_section(doc)});
        current = "emg";
        page.add_section({"needle-emg", "Needle EMG per muscle and the lesion localisation", emg_section(doc)});
        current = "diagnosis";
        page.add_section({"diagnosis", "Diagnosis (decision support)", diagnosis_section(doc, page)});
        current = "skipped_analyses";
        page.add_section({"not-done", "Not applicable or not analysed", not_done_section(doc)});
    } catch (const nlohmann::json::exception& e) {
        throw InputError(input.source, where + "/" + current, std::string("the section does not have the shape edx analyze writes: ") + e.what());
    } catch (const std::invalid_argument& e) {
        throw InputError(input.source, where + "/" + current, std::string("the section does not have the shape edx analyze writes: ") + e.what());
    }
    return page.render();
}

}  // namespace edx::report
