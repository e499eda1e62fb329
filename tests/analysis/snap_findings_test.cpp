#include <catch2/catch.hpp>

#include <vector>

#include "analysis/snap_findings.hpp"

using namespace edx;

namespace {
evoked::NcsMeasure snap(const char* nerve, const char* side, bool present, double amplitude_uv) {
    evoked::NcsMeasure m;
    m.kind = "sensory_ncs";
    m.nerve = nerve;
    m.side = side;
    m.present = present;
    if (present) m.amplitude_mv = amplitude_uv / 1000.0;
    return m;
}
const emg::SnapFinding* find(const std::vector<emg::SnapFinding>& v, const char* nerve, const char* side) {
    for (const auto& f : v) {
        if (f.nerve == nerve && f.side == side) return &f;
    }
    return nullptr;
}
}  // namespace

TEST_CASE("SNAPs: the ratio to the other side, absent means reduced, one side alone says nothing", "[analysis][snap]") {
    const std::vector<evoked::NcsMeasure> m = {snap("sural", "left", true, 6.0), snap("sural", "right", true, 15.0),
                                               snap("superficial_peroneal", "left", false, 0.0),
                                               snap("superficial_peroneal", "right", true, 10.0),
                                               snap("medial_plantar", "left", true, 5.0)};
    const auto f = analysis::snap_findings(m);
    REQUIRE(find(f, "sural", "left")->amplitude_ratio == Approx(0.4));
    REQUIRE(find(f, "sural", "right")->amplitude_ratio == Approx(2.5));
    REQUIRE(find(f, "sural", "left")->is_reduced(0.5) == true);
    REQUIRE(find(f, "sural", "right")->is_reduced(0.5) == false);
    REQUIRE(find(f, "superficial_peroneal", "left")->reduced == true);
    // The right superficial peroneal has no partner to compare with.
    REQUIRE(find(f, "superficial_peroneal", "right") == nullptr);
    REQUIRE(find(f, "medial_plantar", "left") == nullptr);
}
