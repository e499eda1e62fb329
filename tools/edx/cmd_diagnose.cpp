// edx diagnose CASE.json [--results results.h5] [--json]: how likely a deep
// gluteal syndrome (and which kind), an L5/S1 radiculopathy or neither, and why.
// Decision support, not a diagnosis.
#include <iostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli.hpp"
#include "edx/diagnosis/case_file.hpp"
#include "edx/diagnosis/diagnosis_report.hpp"
#include "edx/diagnosis/edx_findings.hpp"
#include "edx/diagnosis/inference.hpp"
#include "edx/io/input_error.hpp"
#include "edx/io/layout_reader.hpp"

namespace edx::cli {

namespace {

// The EDX markers of `side` from the results document of a results file.
diagnosis::EdxFindings results_findings(const std::string& path, const std::string& side) {
    const LayoutReader reader(path);
    const auto& document = reader.study_info().results_json;
    if (!document) throw InputError(path, "/results/document", "holds no results document: write one with edx analyze");
    nlohmann::json doc;
    try {
        doc = nlohmann::json::parse(*document);
    } catch (const nlohmann::json::parse_error& e) {
        throw InputError(path, "/results/document", std::string("is not valid JSON: ") + e.what());
    }
    try {
        return diagnosis::edx_findings_from_results(doc, side);
    } catch (const std::invalid_argument& e) {
        throw InputError(path, "/results/document", e.what());
    }
}

}  // namespace

int run_diagnose(const std::vector<std::string>& args) {
    const auto& model = diagnosis::EvidenceModel::bundled();
    std::string contexts;
    for (const auto& p : model.referral_priors) contexts += (contexts.empty() ? "" : ", ") + p.id;

    po::options_description options("options");
    bool json = false;
    bool show_model = false;
    diagnosis::DiagnosisOptions mc;
    options.add_options()("case", po::value<std::string>(), "the case file (JSON; also accepted as the first argument)")(
        "results", po::value<std::string>(), "a results file of edx analyze: the EDX markers of the symptomatic leg")(
        "context", po::value<std::string>(), ("referral context overriding the case file's: " + contexts).c_str())(
        "json", po::bool_switch(&json), "print one JSON document instead of text")(
        "model", po::bool_switch(&show_model), "print the evidence model (priors, every finding's likelihoods and sources) and exit")(
        "samples", po::value<int>(&mc.samples)->default_value(mc.samples), "Monte Carlo draws for the 95% intervals")(
        "seed", po::value<std::uint64_t>(&mc.seed)->default_value(mc.seed), "Monte Carlo seed: the same seed, the same intervals");
    po::positional_options_description positional;
    positional.add("case", 1);
    const auto vm = parse(args, "edx diagnose CASE.json [--results results.h5] [--json] | edx diagnose --model",
                          "How likely a deep gluteal syndrome (and which kind), an L5 or S1 radiculopathy, or neither,\n"
                          "with 95% credible intervals; the findings that moved the result, red flags, next steps and\n"
                          "the assumptions made. The case file schema: signals/examples/README-case-schema.md; the\n"
                          "evidence model with every number's source: signals/evidence/dgs_vs_radiculopathy.json.\n"
                          "Decision support for a clinical neurophysiologist, not a diagnosis.",
                          options, positional);
    if (!vm) return 0;
    if (show_model) {
        std::cout << diagnosis::model_text(model);
        return 0;
    }
    if (!vm->count("case")) throw UsageError("missing CASE.json");
    try {
        mc.validate();
    } catch (const std::invalid_argument& e) {
        throw UsageError(e.what());
    }

    auto c = diagnosis::read_case_file(vm->at("case").as<std::string>(), model);
    if (vm->count("context")) {
        const std::string context = vm->at("context").as<std::string>();
        bool known = false;
        for (const auto& p : model.referral_priors) known = known || p.id == context;
        if (!known) throw UsageError("--context must be one of " + contexts + " (not '" + context + "')");
        c.referral_context = context;
        c.custom_priors.clear();
    }
    diagnosis::EdxFindings analysis;
    if (vm->count("results")) analysis = results_findings(vm->at("results").as<std::string>(), c.symptomatic_side);

    const auto d = diagnosis::diagnose(model, c, analysis, mc);
    if (json) {
        std::cout << diagnosis::to_json(d, model).dump(2) << "\n";
    } else {
        std::cout << diagnosis::to_text(d);
    }
    return 0;
}

}  // namespace edx::cli
