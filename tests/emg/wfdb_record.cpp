#include "emg/wfdb_record.hpp"

#include <cstdint>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace edx::test {

std::filesystem::path r00108_directory() {
    return std::filesystem::path(EDX_SHARED_DIR) / "data" / "real" / "emglab_R00108";
}

std::string r00108_absent_message() {
    return "SKIPPED: the EMGlab record R00108 is not at " + r00108_directory().string() +
           " (real-data test; the data are not part of the repository)";
}

namespace {

std::vector<std::string> split(const std::string& line, char sep) {
    std::vector<std::string> out;
    std::stringstream s(line);
    std::string item;
    while (std::getline(s, item, sep)) out.push_back(item);
    return out;
}

}  // namespace

Recording read_wfdb_needle_emg(const std::filesystem::path& dir, const std::string& record, const std::string& muscle) {
    const auto hea = dir / (record + ".hea");
    std::ifstream hf(hea, std::ios::binary);
    if (!hf) throw std::runtime_error(hea.string() + ": cannot open");
    // Lines may end in CR (this record's header does), LF or CR LF.
    std::string text((std::istreambuf_iterator<char>(hf)), std::istreambuf_iterator<char>());
    for (auto& c : text) {
        if (c == '\r') c = '\n';
    }
    std::istringstream h(text);
    // Record line: name n_signals fs [n_samples]; signal line: file format gain[/unit] ...
    std::string record_line, signal_line, line;
    while (std::getline(h, line)) {
        if (line.empty() || line[0] == '#') continue;
        if (record_line.empty()) {
            record_line = line;
        } else {
            signal_line = line;
            break;
        }
    }
    std::istringstream r(record_line);
    std::string name;
    int n_signals = 0;
    double fs = 0.0;
    r >> name >> n_signals >> fs;
    if (n_signals != 1 || !(fs > 0.0)) throw std::runtime_error(hea.string() + ": expected one signal and a sample rate");
    std::istringstream sg(signal_line);
    std::string file, format, gain_field;
    sg >> file >> format >> gain_field;
    if (format != "61") throw std::runtime_error(hea.string() + ": storage format " + format + " (only 61 is read)");
    const auto slash = gain_field.find('/');
    const double gain = std::stod(gain_field.substr(0, slash));
    const std::string unit = slash == std::string::npos ? "mV" : gain_field.substr(slash + 1);
    if (!(gain > 0.0) || (unit != "mV" && unit != "uV")) throw std::runtime_error(hea.string() + ": gain must be > 0 adu per mV or uV");

    const auto dat = dir / file;
    std::ifstream d(dat, std::ios::binary);
    if (!d) throw std::runtime_error(dat.string() + ": cannot open");
    std::vector<unsigned char> bytes((std::istreambuf_iterator<char>(d)), std::istreambuf_iterator<char>());
    if (bytes.size() % 2 != 0 || bytes.empty()) throw std::runtime_error(dat.string() + ": not a whole number of int16 samples");

    Recording rec;
    rec.info.name = record;
    rec.info.kind = RecordingKind::needle_emg;
    rec.info.sample_rate_hz = fs;
    rec.info.units = Units::uV;
    rec.info.muscle = muscle;
    rec.form = SampleForm::continuous;
    rec.channels = 1;
    rec.frames = bytes.size() / 2;
    rec.samples.resize(rec.frames);
    const double to_uv = (unit == "mV" ? 1000.0 : 1.0) / gain;
    for (std::size_t i = 0; i < rec.frames; ++i) {
        const auto raw = static_cast<std::int16_t>(static_cast<std::uint16_t>(bytes[2 * i] << 8 | bytes[2 * i + 1]));
        rec.samples[i] = static_cast<float>(raw * to_uv);
    }
    rec.markers.push_back({0.0, "contraction=minimal"});
    rec.check_consistent();
    return rec;
}

ExpertDecomposition read_expert_decomposition(const std::filesystem::path& dir, const std::string& record) {
    ExpertDecomposition e;
    const auto firings = dir / (record + "_firings.csv");
    std::ifstream f(firings);
    if (!f) throw std::runtime_error(firings.string() + ": cannot open");
    std::string line;
    std::getline(f, line);  // time_s,unit,chan
    while (std::getline(f, line)) {
        const auto v = split(line, ',');
        if (v.size() < 2) continue;
        e.firings_s[std::stoi(v[1])].push_back(std::stod(v[0]));
    }
    const auto templates = dir / (record + "_templates.csv");
    std::ifstream t(templates);
    if (!t) throw std::runtime_error(templates.string() + ": cannot open");
    std::getline(t, line);  // unit,sample,value_adu,value_mV
    while (std::getline(t, line)) {
        const auto v = split(line, ',');
        if (v.size() < 4) continue;
        const int unit = std::stoi(v[0]);
        const int sample = std::stoi(v[1]);
        auto& tpl = e.templates_uv[unit];
        // Sample 0 is the firing time (the record's template index 202, 1-based).
        if (sample == 0) e.template_reference[unit] = static_cast<int>(tpl.size());
        tpl.push_back(std::stod(v[3]) * 1000.0);
    }
    return e;
}

}  // namespace edx::test
