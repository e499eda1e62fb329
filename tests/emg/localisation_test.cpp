#include <catch2/catch.hpp>

#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "edx/emg/localisation.hpp"
#include "edx/emg/needle_emg_analysis.hpp"
#include "edx/sim/study_sim.hpp"

using namespace edx;

namespace {

std::vector<emg::MuscleFinding> findings(const std::map<std::string, bool>& abnormal, const std::string& side = "left") {
    std::vector<emg::MuscleFinding> out;
    for (const auto& [muscle, a] : abnormal) out.push_back({muscle, side, a, a ? "fibrillations 2+" : ""});
    return out;
}

const std::vector<std::string> study_muscles = {"tibialis_anterior", "peroneus_longus", "short_head_biceps_femoris",
                                                "tibialis_posterior", "medial_gastrocnemius", "gluteus_medius",
                                                "gluteus_maximus", "lumbar_paraspinal_l5", "lumbar_paraspinal_s1"};

}  // namespace

TEST_CASE("each site predicts the muscles and SNAPs the anatomy table says it reaches", "[emg][localisation]") {
    using E = emg::Expectation;
    // The short head of biceps femoris: reached by a sciatic lesion, spared at the fibular head.
    REQUIRE(emg::expected_for_muscle("sciatic_deep_gluteal", "short_head_biceps_femoris") == E::involved);
    REQUIRE(emg::expected_for_muscle("peroneal_fibular_head", "short_head_biceps_femoris") == E::spared);
    // Gluteal muscles: spared in the deep gluteal space, reached in the plexus.
    REQUIRE(emg::expected_for_muscle("sciatic_deep_gluteal", "gluteus_medius") == E::spared);
    REQUIRE(emg::expected_for_muscle("lumbosacral_plexus", "gluteus_maximus") == E::involved);
    // Paraspinals: only roots.
    REQUIRE(emg::expected_for_muscle("L5_root", "lumbar_paraspinal_l5") == E::involved);
    REQUIRE(emg::expected_for_muscle("lumbosacral_plexus", "lumbar_paraspinal_l5") == E::spared);
    REQUIRE(emg::expected_for_muscle("S1_root", "lumbar_paraspinal_l5") == E::spared);
    // Tibial division in a sciatic lesion: partly (peroneal predominance); minor roots: partly.
    REQUIRE(emg::expected_for_muscle("sciatic_deep_gluteal", "medial_gastrocnemius") == E::partly);
    REQUIRE(emg::expected_for_muscle("L5_root", "gluteus_maximus") == E::partly);
    REQUIRE(emg::expected_for_muscle("L5_root", "tibialis_posterior") == E::involved);
    REQUIRE(emg::expected_for_muscle("peroneal_fibular_head", "tibialis_posterior") == E::spared);
    // SNAPs: spared by roots, reduced distal to the ganglion.
    REQUIRE(emg::expected_for_snap("L5_root", "superficial_peroneal") == E::spared);
    REQUIRE(emg::expected_for_snap("sciatic_deep_gluteal", "sural") == E::involved);
    REQUIRE(emg::expected_for_snap("peroneal_fibular_head", "sural") == E::spared);
    REQUIRE(emg::expected_for_snap("peroneal_fibular_head", "superficial_peroneal") == E::involved);
    REQUIRE_THROWS_AS(emg::expected_for_muscle("nowhere", "soleus"), std::out_of_range);
    REQUIRE_THROWS_AS(emg::expected_for_muscle("L5_root", "no_muscle"), std::out_of_range);
}

TEST_CASE("textbook patterns rank their site first, with findings for and against", "[emg][localisation]") {
    // Deep gluteal sciatic lesion: peroneal division incl. BFSH, gluteals and paraspinals spared, SNAPs reduced.
    const auto dgs = emg::localise(findings({{"tibialis_anterior", true}, {"peroneus_longus", true}, {"short_head_biceps_femoris", true},
                                             {"tibialis_posterior", false}, {"medial_gastrocnemius", false}, {"gluteus_medius", false},
                                             {"gluteus_maximus", false}, {"lumbar_paraspinal_l5", false}, {"lumbar_paraspinal_s1", false}}),
                                   {{"sural", "left", 0.4, std::nullopt}, {"superficial_peroneal", "left", 0.3, std::nullopt}});
    REQUIRE(dgs.size() == 1);
    REQUIRE(dgs[0].ranked.front().site == "sciatic_deep_gluteal");
    REQUIRE_FALSE(dgs[0].ranked.front().for_site.empty());
    REQUIRE(dgs[0].pattern.find("including the short head of biceps femoris") != std::string::npos);
    REQUIRE(dgs[0].pattern.find("Spared") != std::string::npos);
    double total = 0.0;
    for (const auto& s : dgs[0].ranked) total += s.score;
    REQUIRE(total == Approx(1.0));
    // Peroneal at the fibular head: BFSH spared, sural normal.
    const auto fh = emg::localise(findings({{"tibialis_anterior", true}, {"peroneus_longus", true}, {"short_head_biceps_femoris", false},
                                            {"tibialis_posterior", false}, {"gluteus_medius", false}, {"lumbar_paraspinal_l5", false}}),
                                  {{"sural", "left", 0.95, std::nullopt}});
    REQUIRE(fh[0].ranked.front().site == "peroneal_fibular_head");
    // L5 root: paraspinal L5, gluteus medius, tibialis posterior and the peroneal muscles, SNAPs normal.
    const auto l5 = emg::localise(findings({{"tibialis_anterior", true}, {"peroneus_longus", true}, {"tibialis_posterior", true},
                                            {"gluteus_medius", true}, {"lumbar_paraspinal_l5", true}, {"medial_gastrocnemius", false},
                                            {"lumbar_paraspinal_s1", false}}),
                                  {{"superficial_peroneal", "left", std::nullopt, false}});
    REQUIRE(l5[0].ranked.front().site == "L5_root");
    // Nothing abnormal: no lesion.
    const auto none = emg::localise(findings({{"tibialis_anterior", false}, {"gluteus_medius", false}, {"medial_gastrocnemius", false}}), {});
    REQUIRE(none[0].ranked.front().site == "none");
    // Muscles the anatomy table does not know are set aside, with the reason.
    const auto unknown = emg::localise(findings({{"deltoid", true}, {"tibialis_anterior", true}}), {});
    REQUIRE(unknown[0].ignored.size() == 1);
}

TEST_CASE("simulated studies: the true site is ranked first in >= 95%", "[emg][localisation]") {
    const auto config = emg::NeedleEmgConfig::from_tables();
    const std::vector<sim::LesionSite> sites = {sim::LesionSite::L5_root, sim::LesionSite::S1_root, sim::LesionSite::lumbosacral_plexus,
                                                sim::LesionSite::sciatic_deep_gluteal, sim::LesionSite::peroneal_fibular_head};
    std::map<std::string, std::map<std::string, int>> confusion;
    int total = 0, first = 0;
    std::uint64_t seed = 500;
    for (auto site : sites) {
        for (const std::string side : {"left", "right"}) {
            for (double loss : {0.3, 0.6, 0.9}) {
                ++seed;
                sim::StudySpec spec;
                spec.lesion = site;
                spec.side = side;
                spec.axon_loss = loss;
                spec.lesion_age_months = 1.0 + static_cast<double>(seed % 4) * 2.0;
                spec.h_reflex = false;
                spec.nerve_conduction = false;
                spec.needle_rest_s = 4.0;
                spec.needle_minimal_s = 6.0;
                const auto study = sim::simulate_study(spec, seed);
                // SNAP findings from the truth: each sensory nerve's amplitude on the lesioned side
                // relative to the other (the simulator scales it by 1 - its axon loss).
                std::vector<emg::SnapFinding> snaps;
                for (const auto& [nerve, t] : study.truth.at("lesion").at("sensory_nerves").items()) {
                    snaps.push_back({nerve, side, 1.0 - t.at("axon_loss_fraction").get<double>(), std::nullopt});
                }
                const auto result = emg::analyse_study_emg(study.study, snaps, config);
                REQUIRE(result.localisations.size() == 1);
                const auto& top = result.localisations[0].ranked.front().site;
                ++total;
                first += top == sim::to_string(site) ? 1 : 0;
                ++confusion[std::string(sim::to_string(site))][top];
            }
        }
    }
    std::string table = "true site -> ranked first:\n";
    for (const auto& [truth, row] : confusion) {
        table += truth + ":";
        for (const auto& [found, n] : row) table += " " + found + " " + std::to_string(n);
        table += "\n";
    }
    INFO(table << first << " of " << total);
    REQUIRE(static_cast<double>(first) / total >= 0.95);
}
