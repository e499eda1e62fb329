// The diagnosis on simulated patients: AUC of P(deep gluteal syndrome) between
// patients with deep gluteal syndrome and with radiculopathy, with and without
// EDX markers, Brier scores and the reliability table of P(DGS), the bundled
// examples, how well each Beta matches its published interval, and the time per
// case. The EDX markers are PROVISIONAL (derived from the simulator truth) until
// the evoked and needle-EMG analyses run on the simulated recordings.
//   bench_diagnosis [--patients N] [--context ID] [--seed S] [--recordings] [--samples N]
// Without --context, one cohort per referral context of the evidence model.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "edx/diagnosis/case_file.hpp"
#include "edx/diagnosis/evidence_model.hpp"
#include "edx/diagnosis/inference.hpp"
#include "analysis/analysed_markers.hpp"
#include "edx/diagnosis/simulated_cohort.hpp"

using namespace edx::diagnosis;

namespace {

// Hanley & McNeil (1982) standard error of an AUC.
double auc_se(double a, int n_pos, int n_neg) {
    const double q1 = a / (2.0 - a), q2 = 2.0 * a * a / (1.0 + a);
    return std::sqrt((a * (1.0 - a) + (n_pos - 1) * (q1 - a * a) + (n_neg - 1) * (q2 - a * a)) / (static_cast<double>(n_pos) * n_neg));
}

void print_report(const std::string& title, const CohortReport& r, double seconds) {
    std::printf("\n%s\n", title.c_str());
    std::printf("  patients: %zu (", r.patients.size());
    for (const auto& [truth, n] : r.truth_counts) std::printf(" %s %d", truth.c_str(), n);
    std::printf(" )\n");
    const auto count = [&](const char* k) { return r.truth_counts.count(k) ? r.truth_counts.at(k) : 0; };
    const int n_pos = count("deep_gluteal_syndrome"), n_neg = count("lumbosacral_radiculopathy");
    std::printf("  AUC P(DGS), DGS vs radiculopathy: %.4f (SE %.4f, Hanley-McNeil)\n", r.auc_dgs_vs_radiculopathy,
                n_pos > 0 && n_neg > 0 ? auc_se(r.auc_dgs_vs_radiculopathy, n_pos, n_neg) : 0.0);
    std::printf("  Brier score P(DGS): %.4f   three-class Brier: %.4f   most probable = truth: %.1f%%\n", r.brier_dgs,
                r.brier_three_class, 100.0 * r.leading_accuracy);
    std::printf("  reliability of P(DGS):  bin        n   mean predicted   observed\n");
    for (const auto& b : r.reliability_dgs) {
        if (b.patients == 0) {
            std::printf("                          [%.1f,%.1f)  %4d\n", b.lo, b.hi, 0);
        } else {
            std::printf("                          [%.1f,%.1f)  %4d   %.3f            %.3f\n", b.lo, b.hi, b.patients,
                        b.mean_predicted, b.observed_fraction);
        }
    }
    std::printf("  time: %.2f s (%.1f ms per patient, simulation and diagnosis)\n", seconds,
                1000.0 * seconds / static_cast<double>(r.patients.size()));
}

nlohmann::json read_json(const std::filesystem::path& p) {
    std::ifstream in(p);
    return nlohmann::json::parse(in);
}

}  // namespace

int main(int argc, char** argv) {
    CohortOptions options;
    options.patients = 500;
    bool context_given = false;
    // --analysed: whole studies simulated and analysed by the engine; the EDX
    // markers are what edx::analysis finds in the recordings, not the truth.
    bool analysed = false;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        const auto next = [&] {
            if (i + 1 >= argc) {
                std::fprintf(stderr, "%s needs a value\n", a.c_str());
                std::exit(2);
            }
            return std::string(argv[++i]);
        };
        if (a == "--patients") options.patients = std::stoi(next());
        else if (a == "--context") {
            options.referral_context = next();
            context_given = true;
        }
        else if (a == "--seed") options.seed = std::stoull(next());
        else if (a == "--samples") options.diagnosis.samples = std::stoi(next());
        else if (a == "--recordings") options.simulate_recordings = true;
        else if (a == "--analysed") analysed = true;
        else if (a == "--threads") options.threads = std::stoi(next());
        else {
            std::fprintf(stderr, "usage: bench_diagnosis [--patients N] [--context ID] [--seed S] [--samples N] [--recordings] [--analysed] [--threads N]\n");
            return 2;
        }
    }
    if (analysed) {
        options.simulate_recordings = true;
        options.edx_source = edx::test::analysed_markers;
    }
    const EvidenceModel& model = EvidenceModel::bundled();
    std::printf("edx diagnosis benchmark (decision support, not a diagnosis)\n");
    std::printf("model %s: %zu parameters, %zu findings, %zu groups; %d patients per cohort, %d Monte Carlo draws per case, seed %llu\n",
                model.table.c_str(), model.parameters.size(), model.findings.size(), model.groups.size(), options.patients,
                options.diagnosis.samples, static_cast<unsigned long long>(options.seed));
    std::printf("cohort: the true condition drawn from the referral context's prior; case files from the published accuracies "
                "(signals/physiology/clinical_findings.json); each examination test done with probability %.2f, lumbar MRI %.2f, "
                "pelvic MRI %.2f\n",
                options.examination_done_probability, options.lumbar_mri_done_probability, options.pelvic_mri_done_probability);
    if (analysed) {
        std::printf("EDX markers: found by the engine's analyses (edx::analysis) in whole simulated studies\n");
    } else {
        std::printf("EDX markers: PROVISIONAL, derived from the simulator truth (signals/physiology/clinical_findings.json "
                    "/provisional_edx)%s\n",
                    options.simulate_recordings ? "; whole studies simulated" : "; H-reflex recordings only simulated");
    }

    // Beta matching.
    double worst = 0.0, worst_rel = 0.0;
    std::string worst_id;
    for (const auto& p : model.parameters) {
        const double rel = p.fit.max_deviation / (p.ci95_hi - p.ci95_lo);
        if (p.fit.max_deviation > worst) {
            worst = p.fit.max_deviation;
            worst_id = p.id;
        }
        worst_rel = std::max(worst_rel, rel);
    }
    std::printf("\nBeta matching: largest miss of a published 95%% limit %.4f (%s); largest relative to the interval width %.3f\n",
                worst, worst_id.c_str(), worst_rel);

    // The bundled examples.
    const std::filesystem::path examples = std::filesystem::path(EDX_SOURCE_DIR) / "signals" / "examples";
    std::printf("\nbundled examples (case file + provisional EDX markers from the truth file)\n");
    const std::pair<const char*, edx::sim::ClinicalCondition> cases[] = {
        {"dgs_piriformis_left", edx::sim::ClinicalCondition::piriformis},
        {"l5_radiculopathy_right", edx::sim::ClinicalCondition::l5_radiculopathy},
        {"normal", edx::sim::ClinicalCondition::other},
    };
    for (const auto& [name, condition] : cases) {
        const auto c = read_case_file(examples / (std::string(name) + ".case.json"));
        const auto patient = patient_from_truth(read_json(examples / (std::string(name) + ".truth.json")), condition, 7);
        const auto edx = provisional_edx_findings(patient);
        for (bool with_edx : {false, true}) {
            const auto d = diagnose(model, c, with_edx ? edx : EdxFindings{}, options.diagnosis);
            const auto& dgs = d.hypothesis("deep_gluteal_syndrome").posterior;
            const auto& rad = d.hypothesis("lumbosacral_radiculopathy").posterior;
            const auto& oth = d.hypothesis("other").posterior;
            std::printf("  %-24s %-9s DGS %.3f [%.3f,%.3f]  radiculopathy %.3f [%.3f,%.3f]  neither %.3f [%.3f,%.3f]  -> %s",
                        name, with_edx ? "+EDX" : "clinical", dgs.mean, dgs.ci95_lo, dgs.ci95_hi, rad.mean, rad.ci95_lo,
                        rad.ci95_hi, oth.mean, oth.ci95_lo, oth.ci95_hi, d.leading.c_str());
            if (d.leading == "deep_gluteal_syndrome") std::printf(" (%s %.2f)", d.subtypes.front().id.c_str(), d.subtypes.front().given_dgs.mean);
            std::printf("\n");
        }
    }

    // Time of one diagnosis with the default 10000 draws.
    {
        const auto c = read_case_file(examples / "dgs_piriformis_left.case.json");
        const auto t0 = std::chrono::steady_clock::now();
        const int runs = 10;
        for (int i = 0; i < runs; ++i) (void)diagnose(model, c, {}, DiagnosisOptions{});
        const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        std::printf("\none diagnosis (dgs_piriformis_left, %d draws): %.1f ms\n", DiagnosisOptions{}.samples, 1000.0 * s / runs);
    }

    std::vector<std::string> contexts;
    if (context_given) {
        contexts.push_back(options.referral_context);
    } else {
        for (const auto& p : model.referral_priors) contexts.push_back(p.id);
    }
    for (const auto& context : contexts) {
        options.referral_context = context;
        for (bool with_edx : {true, false}) {
            options.with_edx = with_edx;
            const auto t0 = std::chrono::steady_clock::now();
            const auto report = run_cohort(options);
            const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            print_report(context + (with_edx ? (analysed ? ": with EDX markers (analysed)" : ": with EDX markers (provisional)")
                                                : ": clinical findings only"),
                         report, s);
        }
    }
    return 0;
}
