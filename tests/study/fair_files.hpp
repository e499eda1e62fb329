// Small layout-v1 files with simulated H-reflex series for the study tests:
// the FAIR protocol with a chosen delay, and the ways a file can fail a row.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "edx/io/layout_writer.hpp"
#include "edx/io/study.hpp"
#include "edx/sim/h_reflex_sim.hpp"

namespace edx::study::test {

// One soleus H-reflex recording named soleus_h_<side>, `sweeps` per position
// (anatomic, FAIR, anatomic), the FAIR delay given, at 10 kHz.
inline Recording fair_recording(double delay_ms, std::uint64_t seed, const std::string& side = "left",
                                int sweeps = 8) {
    sim::HReflexConfig h;
    h.name = "soleus_h_" + side;
    h.side = side;
    h.leg_length_cm = 38.0;
    h.age_years = 45.0;
    h.phases = sim::fair_protocol(sweeps);
    h.fair.delay_ms = delay_ms;
    h.fair.onset_tau_s = 1.0;
    return sim::simulate_h_reflex(h, seed).recording;
}

inline void write_recordings(const std::filesystem::path& path, std::vector<Recording> recordings,
                             const std::string& subject = "T") {
    Study s;
    s.subject_id = subject;
    s.subject.leg_length_cm = 38.0;
    s.subject.age_years = 45.0;
    s.recordings = std::move(recordings);
    write_study(s, path);
}

}  // namespace edx::study::test
