#include "emg_report.hpp"

#include <cstdio>

#include "cli.hpp"

namespace edx::cli {

namespace {

std::string num(double v, int digits) {
    char b[48];
    std::snprintf(b, sizeof b, "%.*f", digits, v);
    return b;
}

std::string opt(const std::optional<double>& v, int digits, const char* unit) {
    return v ? num(*v, digits) + unit : std::string("-");
}

}  // namespace

emg::SnapFinding parse_snap(const std::string& text) {
    const auto a = text.find(':');
    const auto b = a == std::string::npos ? std::string::npos : text.find(':', a + 1);
    if (b == std::string::npos) throw UsageError("--snap takes NERVE:SIDE:RATIO or NERVE:SIDE:reduced|normal, got '" + text + "'");
    emg::SnapFinding s;
    s.nerve = text.substr(0, a);
    s.side = text.substr(a + 1, b - a - 1);
    const std::string value = text.substr(b + 1);
    if (s.side != "left" && s.side != "right") throw UsageError("--snap: side must be left or right, got '" + s.side + "'");
    if (value == "reduced" || value == "normal") {
        s.reduced = value == "reduced";
    } else {
        try {
            std::size_t used = 0;
            s.amplitude_ratio = std::stod(value, &used);
            if (used != value.size() || !(*s.amplitude_ratio >= 0.0)) throw std::invalid_argument(value);
        } catch (const std::exception&) {
            throw UsageError("--snap: '" + value + "' is neither a ratio >= 0 nor reduced/normal");
        }
    }
    return s;
}

void print_emg_summary(std::ostream& out, const emg::StudyEmgResult& r) {
    for (const auto& rec : r.recordings) {
        out << "  " << rec.muscle << (rec.side.empty() ? "" : " " + rec.side) << ": ";
        if (rec.spontaneous) {
            const auto& s = *rec.spontaneous;
            out << "rest grade " << emg::grade_label(s.grade) << " (fib " << num(s.fibrillations_per_min, 0) << ", PSW "
                << num(s.psw_per_min, 0) << " /min)";
        } else {
            out << "rest not recorded";
        }
        const auto& m = rec.muap;
        out << "; " << m.n_units << " MUAP" << (m.n_units == 1 ? "" : "s") << " " << opt(m.mean_amplitude_uv, 0, " uV") << " "
            << opt(m.mean_duration_ms, 1, " ms") << "; " << emg::to_string(rec.call.call) << "\n";
    }
    for (const auto& loc : r.localisations) {
        out << "  localisation" << (loc.side.empty() ? "" : " (" + loc.side + ")") << ": " << loc.pattern << "\n";
        for (std::size_t i = 0; i < loc.ranked.size() && i < 3; ++i) {
            const auto& s = loc.ranked[i];
            out << "    " << i + 1 << ". " << s.label << "  " << num(s.score, 3) << "\n";
            if (i == 0) {
                for (const auto& a : s.against_site) out << "         against: " << a << "\n";
            }
        }
    }
}

void print_emg_text(std::ostream& out, const emg::StudyEmgResult& r) {
    for (const auto& rec : r.recordings) {
        out << rec.name << "  " << rec.muscle << (rec.side.empty() ? "" : ", " + rec.side) << "\n";
        if (rec.spontaneous) {
            const auto& s = *rec.spontaneous;
            out << "    rest " << num(s.rest_s, 1) << " s: fibrillations " << num(s.fibrillations_per_min, 0) << "/min, PSW "
                << num(s.psw_per_min, 0) << "/min, fasciculations " << num(s.fasciculations_per_min, 1) << "/min, CRD "
                << num(s.crd_per_min, 0) << "/min; grade " << emg::grade_label(s.grade) << " (" << s.graded_trains
                << " persistent train" << (s.graded_trains == 1 ? "" : "s") << ")\n";
        } else {
            out << "    rest: not recorded\n";
        }
        const auto& m = rec.muap;
        out << "    MUAPs: " << m.n_units << " unit" << (m.n_units == 1 ? "" : "s") << ", amplitude "
            << opt(m.mean_amplitude_uv, 0, " uV") << ", duration " << opt(m.mean_duration_ms, 1, " ms") << ", polyphasic "
            << opt(m.percent_polyphasic, 0, "%") << ", fastest " << opt(m.recruitment.fastest_rate_hz, 1, " Hz")
            << ", recruitment ratio " << opt(m.recruitment.recruitment_ratio, 1, "") << "\n";
        out << "    call: " << emg::to_string(rec.call.call) << "\n";
        for (const auto& reason : rec.call.reasons) out << "      - " << reason << "\n";
        for (const auto& note : rec.call.notes) out << "      note: " << note << "\n";
        for (const auto& note : rec.notes) out << "    note: " << note << "\n";
    }
    for (const auto& loc : r.localisations) {
        out << "\nlocalisation" << (loc.side.empty() ? "" : " (" + loc.side + ")") << "\n  " << loc.pattern << "\n";
        for (std::size_t i = 0; i < loc.ranked.size(); ++i) {
            const auto& s = loc.ranked[i];
            out << "  " << i + 1 << ". " << s.label << "  " << num(s.score, 3) << "\n";
            for (const auto& f : s.for_site) out << "       + " << f << "\n";
            for (const auto& a : s.against_site) out << "       - " << a << "\n";
        }
        for (const auto& g : loc.ignored) out << "  ignored: " << g << "\n";
    }
    if (r.snaps.empty() && !r.localisations.empty()) {
        out << "\n(no SNAP findings given: pass them with --snap NERVE:SIDE:RATIO)\n";
    }
}

}  // namespace edx::cli
