// edx filter IN.h5 --out OUT.h5 [...]: filters every recording of a file and
// writes a layout-v1 file (float32, same metadata, stimuli and markers),
// atomically. Without filter options each recording gets the settings EMG
// machines use for its kind (signals/filters/machine_defaults.json).
#include <cmath>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "cli.hpp"
#include "edx/dsp/filter_settings.hpp"
#include "edx/dsp/sos_filter.hpp"
#include "edx/dsp/zero_phase.hpp"
#include "edx/io/layout_reader.hpp"
#include "edx/io/layout_writer.hpp"
#include "edx/signals/table.hpp"

namespace edx::cli {

namespace {

constexpr const char* kKinds[] = {"h_reflex", "f_wave", "motor_ncs", "sensory_ncs", "needle_emg", "surface_emg"};

std::string defaults_help() {
    std::ostringstream s;
    s << "Without --highpass/--lowpass/--bandpass/--notch, each recording gets the filter EMG machines use for\n"
         "its kind (Butterworth order "
      << signals::constant("filters/machine_defaults.json", "/butterworth_order")
      << ", causal, no notch; from signals/filters/machine_defaults.json):\n";
    for (const char* kind : kKinds) {
        const auto d = dsp::default_filter_settings(kind);
        s << "  " << kind << std::string(13 - std::string(kind).size(), ' ');
        if (!d) {
            s << "no default (no source): give the filter explicitly\n";
            continue;
        }
        s << *d->settings.highpass_hz << " Hz - " << *d->settings.lowpass_hz << " Hz  [" << d->sources << ", "
          << d->status << "]\n";
    }
    const auto& sources = signals::table("filters/machine_defaults.json").at("sources");
    s << "A default low-pass at or above Nyquist is left out (the recording is already limited by its sampling).\n"
         "No notch by default: a mains notch cut M-wave amplitude by about 22% [Notch11].\n"
         "Non-finite samples are kept as they are; each finite stretch is filtered on its own, starting from the\n"
         "steady state of its first sample. Sweeps are filtered one by one. --zero-phase pads like\n"
         "scipy.signal.sosfiltfilt (odd extension, 3 x (2 x sections + 1) samples; less for shorter stretches).\n"
         "The whole file is held in memory while it is filtered.\n\nSources:\n";
    for (const auto& [key, citation] : sources.items()) {
        if (key == "edx-dsp") continue;
        s << "  [" << key << "] " << citation.get<std::string>() << "\n";
    }
    return s.str();
}

std::optional<std::pair<double, double>> parse_band(const std::string& text) {
    const auto comma = text.find(',');
    if (comma == std::string::npos) throw UsageError("--bandpass takes LO,HI in Hz, got '" + text + "'");
    try {
        const double lo = std::stod(text.substr(0, comma));
        const double hi = std::stod(text.substr(comma + 1));
        return std::pair{lo, hi};
    } catch (const std::exception&) {
        throw UsageError("--bandpass takes LO,HI in Hz, got '" + text + "'");
    }
}

// Filters one channel (stride apart in `samples`) stretch by stretch between non-finite samples.
void filter_channel(const dsp::SosCascade& cascade, bool zero_phase, float* samples, std::size_t count,
                    std::size_t stride) {
    std::vector<float> run;
    std::size_t i = 0;
    while (i < count) {
        if (!std::isfinite(samples[i * stride])) {
            ++i;
            continue;
        }
        std::size_t j = i;
        run.clear();
        while (j < count && std::isfinite(samples[j * stride])) run.push_back(samples[j++ * stride]);
        std::vector<float> out(run.size());
        if (zero_phase) {
            if (run.size() > 1) {
                dsp::zero_phase_filter(cascade, run, out, std::min(dsp::default_pad_length(cascade), run.size() - 1));
            } else {
                out = run;
            }
        } else {
            dsp::StreamingSosFilter f(cascade, 1);
            f.start_at(std::span<const float>(run.data(), 1));
            f.process(run, out);
        }
        for (std::size_t k = 0; k < out.size(); ++k) samples[(i + k) * stride] = out[k];
        i = j;
    }
}

}  // namespace

int run_filter(const std::vector<std::string>& args) {
    po::options_description options("options");
    options.add_options()
        ("input", po::value<std::string>(), "layout-v1 file to filter")
        ("out", po::value<std::string>(), "file to write (layout v1, float32); written atomically")
        ("highpass", po::value<double>(), "Butterworth high-pass corner (Hz)")
        ("lowpass", po::value<double>(), "Butterworth low-pass corner (Hz)")
        ("bandpass", po::value<std::string>(), "Butterworth band-pass LO,HI (Hz); not with --highpass/--lowpass")
        ("order", po::value<int>(), "Butterworth prototype order (default from the filters table: 2)")
        ("notch", po::value<int>(), "mains notch at 50 or 60 Hz (scipy.signal.iirnotch, Q 30)")
        ("harmonics", po::value<int>()->default_value(0), "extra notches at the mains harmonics (2f, 3f, ...)")
        ("zero-phase", po::bool_switch(), "forward-backward filtering (scipy.signal.sosfiltfilt edges): no delay");
    po::positional_options_description positional;
    positional.add("input", 1);
    const std::string usage =
        "edx filter IN.h5 --out OUT.h5 [--highpass HZ] [--lowpass HZ] [--bandpass LO,HI] [--order N] "
        "[--notch 50|60 [--harmonics K]] [--zero-phase]";
    const std::string summary = "Filters every recording of a file and writes the result.\n\n" + defaults_help();
    const auto vm = parse(args, usage, summary, options, positional);
    if (!vm) return 0;
    if (!vm->count("input")) throw UsageError("no input file given");
    if (!vm->count("out")) throw UsageError("--out is required");

    dsp::FilterSettings explicit_settings;
    if (vm->count("highpass")) explicit_settings.highpass_hz = (*vm)["highpass"].as<double>();
    if (vm->count("lowpass")) explicit_settings.lowpass_hz = (*vm)["lowpass"].as<double>();
    if (vm->count("bandpass")) explicit_settings.bandpass_hz = parse_band((*vm)["bandpass"].as<std::string>());
    if (vm->count("notch")) {
        const int mains = (*vm)["notch"].as<int>();
        if (mains != 50 && mains != 60) throw UsageError("--notch takes 50 or 60, got " + std::to_string(mains));
        explicit_settings.notch_hz = mains;
        explicit_settings.notch_harmonics = (*vm)["harmonics"].as<int>();
    } else if ((*vm)["harmonics"].as<int>() != 0) {
        throw UsageError("--harmonics needs --notch");
    }
    const int default_order = static_cast<int>(signals::constant("filters/machine_defaults.json", "/butterworth_order"));
    const int order = vm->count("order") ? (*vm)["order"].as<int>() : default_order;
    if (order < 1) throw UsageError("--order must be at least 1");
    explicit_settings.order = order;
    const bool zero_phase = (*vm)["zero-phase"].as<bool>();
    explicit_settings.zero_phase = zero_phase;
    const bool use_defaults = explicit_settings.empty();

    // The whole study is held in memory: write_study takes a complete Study,
    // so a bounded-memory scan on input alone would not bound the run.
    const LayoutReader reader((*vm)["input"].as<std::string>());
    Study study = reader.read_study();
    for (auto& rec : study.recordings) {
        const double fs = rec.info.sample_rate_hz;
        dsp::FilterSettings settings = explicit_settings;
        std::string origin = "given";
        if (use_defaults) {
            const auto d = dsp::default_filter_settings(to_string(rec.info.kind));
            if (!d) {
                throw UsageError("recording '" + rec.info.name + "' is " + std::string(to_string(rec.info.kind)) +
                                 ", which has no default filter: give --highpass/--lowpass/--bandpass");
            }
            settings = d->settings;
            settings.order = order;
            settings.zero_phase = zero_phase;
            origin = "default for " + std::string(to_string(rec.info.kind)) + " [" + d->sources + ", " + d->status + "]";
            if (settings.lowpass_hz && !(*settings.lowpass_hz < fs / 2.0)) {
                std::cerr << "edx filter: " << rec.info.name << ": default low-pass " << *settings.lowpass_hz
                          << " Hz is not below Nyquist (" << fs / 2.0 << " Hz): left out\n";
                settings.lowpass_hz.reset();
            }
        }
        dsp::SosCascade cascade;
        try {
            cascade = dsp::design_filter(settings, fs);
        } catch (const std::invalid_argument& e) {
            throw UsageError("recording '" + rec.info.name + "' (" + std::to_string(fs) + " Hz): " + e.what());
        }
        if (rec.form == SampleForm::continuous) {
            for (std::size_t c = 0; c < rec.channels; ++c) {
                filter_channel(cascade, zero_phase, rec.samples.data() + c, rec.frames, rec.channels);
            }
        } else {
            for (std::size_t s = 0; s < rec.sweep_count; ++s) {
                auto sweep = rec.sweep(s);
                filter_channel(cascade, zero_phase, sweep.data(), sweep.size(), 1);
            }
        }
        std::cout << rec.info.name << ": " << settings.describe() << " (" << origin << ")\n";
    }
    WriteOptions write;
    write.storage = StorageType::float32;
    write_study(study, (*vm)["out"].as<std::string>(), write);
    return 0;
}

}  // namespace edx::cli
