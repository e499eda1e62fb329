// How motor units are recruited and fire during a voluntary contraction: a
// common excitation drives the pool, each unit starts firing at its threshold
// and its rate rises with the excitation above it (onion skin), with
// inter-discharge intervals drawn around the instantaneous rate. Normal,
// reduced (neuropathic: the first unit fires fast before a second is
// recruited) and early (myopathic: many units at low rates) recruitment differ
// only in the thresholds drawn. Ranges: signals/physiology/needle_emg.json "recruitment".
#pragma once

#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "edx/sim/interval.hpp"
#include "edx/sim/random.hpp"

namespace edx::sim {

enum class RecruitmentPattern { normal, reduced, early };

std::string_view to_string(RecruitmentPattern pattern) noexcept;
std::optional<RecruitmentPattern> parse_recruitment_pattern(std::string_view text) noexcept;

struct RecruitmentModel {
    RecruitmentPattern pattern = RecruitmentPattern::normal;
    Interval onset_rate_hz{5.0, 7.0};             // a unit's rate when it is recruited
    Interval recruitment_frequency_hz{8.0, 11.0}; // first unit's rate when the second is recruited
    Interval next_unit_step_hz{1.0, 2.0};         // rise of the first unit's rate per further unit
    Interval minimal_fastest_rate_hz{9.5, 12.0}; // first unit's rate at the minimal-effort hold
    Interval max_rate_hz{25.0, 40.0};             // each unit's ceiling
    Interval isi_cv{0.1, 0.2};
    int pool_units = 20;                          // units around the needle before any loss
    Interval surviving_unit_fraction{1.0, 1.0};

    static RecruitmentModel from_table(RecruitmentPattern pattern);
    // Throws std::invalid_argument naming the first bad field.
    void validate() const;
};

// One unit of the pool. Excitation is expressed as the rise of the first unit's
// rate above its onset rate (Hz), so thresholds read as firing rates.
struct UnitDrive {
    double threshold_hz = 0.0;   // excitation at which the unit is recruited
    double onset_rate_hz = 6.0;  // its rate at recruitment
    double max_rate_hz = 30.0;
    double isi_cv = 0.15;

    // Its mean rate at this excitation: 0 below threshold (and at no excitation),
    // then onset rate plus the excitation above threshold, up to the ceiling.
    double rate_hz(double excitation_hz) const noexcept;
};

struct MotorPool {
    RecruitmentPattern pattern = RecruitmentPattern::normal;
    std::vector<UnitDrive> units;  // in recruitment order; units[0].threshold_hz == 0
    double recruitment_frequency_hz = 0.0;

    // Excitation at which the first unit fires at `rate_hz`.
    double excitation_for_first_rate(double rate_hz) const noexcept;
    // Units firing at this excitation.
    int active_units(double excitation_hz) const noexcept;
};

MotorPool draw_motor_pool(const RecruitmentModel& model, Random& random);

// Excitation over time: linear between (time_s, excitation_hz) points, 0 before
// the first point and after the last.
struct Excitation {
    std::vector<std::pair<double, double>> points;  // strictly increasing times

    double at(double time_s) const noexcept;
};

// Discharge times (s) of one unit in [begin_s, end_s). Each interval is drawn
// from a normal distribution around 1 / rate at the previous discharge, with SD
// isi_cv / rate (redrawn below 20% of the mean); a unit that is recruited
// (excitation reaching its threshold, found to 1 ms) starts at a random phase
// of its first interval, and stops when the excitation falls below threshold.
std::vector<double> discharge_times(const UnitDrive& unit, const Excitation& excitation, double begin_s,
                                    double end_s, Random& random);

}  // namespace edx::sim
