// Where a lower-limb lesion lies, from the per-muscle needle-EMG findings and
// the sensory responses: every candidate site (L5 root, S1 root, lumbosacral
// plexus, sciatic nerve in the deep gluteal space, peroneal nerve at the
// fibular head, or no lesion) predicts which muscles it reaches through the
// anatomy (signals/anatomy/lower_limb_muscles.json: nerve, sciatic division,
// roots) and which SNAPs it reduces; the sites are ranked by how well their
// predictions explain the findings, each with the findings for and against
// it (signals/anatomy/localisation_rules.json). The SNAP findings are a
// plain input, filled by whoever measured the sensory responses.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace edx::emg {

struct MuscleFinding {
    std::string muscle;       // key of the anatomy table, e.g. "short_head_biceps_femoris"
    std::string side;         // "left", "right" or empty
    bool abnormal = false;    // spontaneous grade >= 1+ or called neuropathic
    std::string summary;      // e.g. "fibrillations/PSW 2+, neuropathic"
};

struct SnapFinding {
    std::string nerve;                       // "sural", "superficial_peroneal"
    std::string side;
    std::optional<double> amplitude_ratio;   // symptomatic side / other side
    std::optional<bool> reduced;             // a judgement given directly; wins over the ratio

    // Reduced by the flag, else by the ratio rule; nullopt when neither is known.
    std::optional<bool> is_reduced(double ratio_below) const noexcept;
};

enum class Expectation { involved, partly, spared };

std::string_view to_string(Expectation e) noexcept;

struct SiteScore {
    std::string site;    // "L5_root", ..., "none"
    std::string label;   // "L5 root"
    double score = 0.0;  // share of 1 over the sites (equal prior odds)
    double log_likelihood = 0.0;
    std::vector<std::string> for_site;
    std::vector<std::string> against_site;
};

struct Localisation {
    std::string side;
    std::string pattern;                 // the findings in words
    std::vector<SiteScore> ranked;       // best first
    std::vector<std::string> ignored;    // findings the anatomy table cannot place, and why
};

// What a site predicts for a muscle or a sensory nerve of the anatomy table.
// Throws std::out_of_range naming the site or muscle if either is unknown.
Expectation expected_for_muscle(std::string_view site, std::string_view muscle);
Expectation expected_for_snap(std::string_view site, std::string_view nerve);
// The candidate sites of the rules table (in name order).
std::vector<std::string> candidate_sites();

// One localisation per side that has muscle findings; SNAP findings of that side join it.
std::vector<Localisation> localise(const std::vector<MuscleFinding>& muscles, const std::vector<SnapFinding>& snaps);

}  // namespace edx::emg
