// edx simulate --out FILE.h5 [options]: a simulated work-up with known truth,
// written as layout v1 plus a truth JSON sidecar.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "cli.hpp"
#include "edx/io/input_error.hpp"
#include "edx/io/layout_writer.hpp"
#include "edx/sim/study_sim.hpp"

namespace edx::cli {

namespace {

std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw InputError(path, "", "cannot be read");
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// The truth file appears whole or not at all, like the HDF5 file.
void write_atomically(const std::filesystem::path& path, const std::string& text) {
    const auto temp = path.string() + ".partial";
    {
        std::ofstream out(temp, std::ios::binary | std::ios::trunc);
        if (!out) throw InputError(path.string(), "", "cannot be written");
        out << text;
        if (!out.flush()) throw InputError(path.string(), "", "cannot be written");
    }
    std::filesystem::rename(temp, path);
}

StorageType parse_storage(const std::string& text) {
    if (text == "float32") return StorageType::float32;
    if (text == "float64") return StorageType::float64;
    if (text == "int16") return StorageType::int16;
    if (text == "int32") return StorageType::int32;
    throw UsageError("--storage must be float32, float64, int16 or int32, not '" + text + "'");
}

}  // namespace

int run_simulate(const std::vector<std::string>& args) {
    sim::StudySpec spec;
    std::string out, truth_path, lesion = "none", storage = "float32", only, clinical;
    std::uint64_t seed = 1;
    double fair_delay = -1, fair_tau = -1, age = -1, height = -1, leg = -1;
    po::options_description options("options");
    options.add_options()
        ("out,o", po::value(&out)->required(), "the study file to write (layout v1)")
        ("truth", po::value(&truth_path), "the truth JSON to write (default: OUT with .truth.json)")
        ("seed", po::value(&seed)->default_value(1), "random seed: the same seed gives the same files")
        ("lesion", po::value(&lesion)->default_value("none"),
         "none, L5_root, S1_root, lumbosacral_plexus, sciatic_deep_gluteal or peroneal_fibular_head")
        ("side", po::value(&spec.side)->default_value("left"), "side of the lesion: left or right")
        ("axon-loss", po::value(&spec.axon_loss)->default_value(0.6), "fraction of axons lost where the lesion hits hardest")
        ("lesion-age-months", po::value(&spec.lesion_age_months)->default_value(6.0),
         "time since onset: denervation shows after weeks, reinnervation after months")
        ("fair-delay-ms", po::value(&fair_delay), "FAIR H delay of the lesioned leg (sciatic lesion; default 2.66 ms)")
        ("fair-tau-s", po::value(&fair_tau), "time constant of the FAIR delay's build-up (default: drawn, 2-10 s)")
        ("subject-id", po::value(&spec.subject_id)->default_value("SIM-0001"), "pseudonymous subject code")
        ("age", po::value(&age), "age in years (default: drawn)")
        ("height", po::value(&height), "height in cm (default: drawn)")
        ("leg-length", po::value(&leg), "popliteal fossa to medial malleolus in cm (default: from height)")
        ("sample-rate", po::value(&spec.evoked_sample_rate_hz)->default_value(10000.0), "evoked-response sample rate, Hz")
        ("needle-sample-rate", po::value(&spec.needle_sample_rate_hz)->default_value(10000.0), "needle EMG sample rate, Hz")
        ("sweeps-per-position", po::value(&spec.fair_sweeps_per_position)->default_value(10), "FAIR protocol sweeps per position")
        ("rest-s", po::value(&spec.needle_rest_s)->default_value(5.0), "needle EMG at rest, s per muscle")
        ("minimal-s", po::value(&spec.needle_minimal_s)->default_value(5.0), "needle EMG at minimal effort, s per muscle")
        ("only", po::value(&only), "h_reflex, ncs or needle: simulate only that part")
        ("storage", po::value(&storage)->default_value("float32"), "sample storage: float32, float64, int16 or int32")
        ("clinical", po::value(&clinical), "a clinical case JSON to store in /clinical");
    if (!parse(args, "edx simulate --out FILE.h5 [options]",
               "Simulates an electrodiagnostic work-up with known truth: H-reflex with the FAIR protocol\n"
               "on both legs, peroneal and tibial motor NCS with F-waves, sural and superficial peroneal\n"
               "SNAPs on both legs, and needle EMG of the muscles localisation needs, for a patient with\n"
               "the chosen lesion. Writes FILE.h5 (layout v1) and FILE.truth.json (every latency, delay,\n"
               "discharge and parameter). Physiological ranges and their sources: signals/physiology.",
               options)) {
        return 0;
    }
    const auto site = sim::parse_lesion_site(lesion);
    if (!site) throw UsageError("unknown --lesion '" + lesion + "'");
    spec.lesion = *site;
    if (fair_delay >= 0) spec.fair_delay_ms = fair_delay;
    if (fair_tau >= 0) spec.fair_onset_tau_s = fair_tau;
    if (age >= 0) spec.age_years = age;
    if (height >= 0) spec.height_cm = height;
    if (leg >= 0) spec.leg_length_cm = leg;
    if (!only.empty()) {
        if (only != "h_reflex" && only != "ncs" && only != "needle") throw UsageError("--only must be h_reflex, ncs or needle");
        spec.h_reflex = only == "h_reflex";
        spec.nerve_conduction = only == "ncs";
        spec.needle_emg = only == "needle";
    }
    if (!clinical.empty()) {
        const std::string text = read_text(clinical);
        if (!nlohmann::json::accept(text)) throw InputError(clinical, "", "is not valid JSON");
        spec.clinical_findings_json = text;
    }
    try {
        spec.validate();
    } catch (const std::invalid_argument& e) {
        throw UsageError(e.what());
    }

    const auto simulated = sim::simulate_study(spec, seed);
    WriteOptions write;
    write.storage = parse_storage(storage);
    write_study(simulated.study, out, write);
    if (truth_path.empty()) {
        auto p = std::filesystem::path(out);
        truth_path = (p.parent_path() / p.stem()).string() + ".truth.json";
    }
    write_atomically(truth_path, simulated.truth.dump() + "\n");
    std::printf("wrote %s (%zu recordings, %.1f MB) and %s\n", out.c_str(), simulated.study.recordings.size(),
                static_cast<double>(std::filesystem::file_size(out)) / 1e6, truth_path.c_str());
    return 0;
}

}  // namespace edx::cli
