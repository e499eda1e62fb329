#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "edx/signals/table.hpp"
#include "edx/sim/stimulus_artefact.hpp"

using namespace edx;
using namespace edx::sim;

TEST_CASE("the artefact is a spike over the pulse and an exponential tail after it", "[artefact]") {
    const StimulusArtefact a{0.5, 8.0, -0.4, 2.0};
    REQUIRE(a.value_mv(-0.01) == 0.0);
    REQUIRE(a.value_mv(0.0) == 8.0);
    REQUIRE(a.value_mv(0.49) == 8.0);
    REQUIRE(a.value_mv(0.5) == Approx(-0.4));
    REQUIRE(a.value_mv(2.5) == Approx(-0.4 * std::exp(-1.0)).epsilon(1e-12));
    REQUIRE(a.scaled(0.5).value_mv(2.5) == Approx(-0.2 * std::exp(-1.0)).epsilon(1e-12));
    std::vector<float> x(300, 0.0f);
    a.add_to(x, 10000.0, -10.0);
    // The stimulus falls on sample 100: it carries the spike.
    REQUIRE(x[99] == 0.0f);
    REQUIRE(x[100] == 8.0f);
    for (std::size_t i = 0; i < x.size(); ++i) REQUIRE(x[i] == static_cast<float>(a.value_mv((i - 100.0) / 10.0)));
}

TEST_CASE("drawn artefacts lie in the table's ranges for their kind, with either sign", "[artefact]") {
    const auto& t = signals::table("physiology/evoked_artefact_noise.json");
    for (auto kind :
         {RecordingKind::h_reflex, RecordingKind::f_wave, RecordingKind::motor_ncs, RecordingKind::sensory_ncs}) {
        const auto& k = t.at(std::string(to_string(kind)));
        Random r(3);
        int negative_spikes = 0;
        for (int i = 0; i < 400; ++i) {
            const auto a = draw_artefact(ArtefactSettings{}, kind, 0.2, r);
            REQUIRE(std::abs(a.spike_mv) >= k["spike_mv"]["min"].get<double>());
            REQUIRE(std::abs(a.spike_mv) <= k["spike_mv"]["max"].get<double>());
            REQUIRE(std::abs(a.tail_mv) >= k["tail_mv"]["min"].get<double>());
            REQUIRE(std::abs(a.tail_mv) <= k["tail_mv"]["max"].get<double>());
            REQUIRE(a.tail_tau_ms >= k["tail_tau_ms"]["min"].get<double>());
            REQUIRE(a.tail_tau_ms <= k["tail_tau_ms"]["max"].get<double>());
            negative_spikes += a.spike_mv < 0.0;
        }
        REQUIRE(negative_spikes > 150);
        REQUIRE(negative_spikes < 250);
    }
}

TEST_CASE("given artefact values are used and disabling it gives none", "[artefact]") {
    Random r(1);
    ArtefactSettings s;
    s.spike_mv = 5.0;
    s.tail_mv = 0.3;
    s.tail_tau_ms = 1.5;
    const auto a = draw_artefact(s, RecordingKind::h_reflex, 1.0, r);
    REQUIRE(std::abs(a.spike_mv) == 5.0);
    REQUIRE(std::abs(a.tail_mv) == 0.3);
    REQUIRE(a.tail_tau_ms == 1.5);
    const auto none = draw_artefact(ArtefactSettings::none(), RecordingKind::h_reflex, 1.0, r);
    REQUIRE(none.value_mv(0.1) == 0.0);
    REQUIRE(none.value_mv(3.0) == 0.0);
    s.tail_tau_ms = 0.0;
    REQUIRE_THROWS_WITH(draw_artefact(s, RecordingKind::h_reflex, 1.0, r), Catch::Contains("artefact.tail_tau_ms"));
}
