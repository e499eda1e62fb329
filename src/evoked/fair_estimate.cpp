#include "edx/evoked/fair_estimate.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

#include "edx/signals/table.hpp"

namespace edx::evoked {

double fair_norm(std::string_view pointer) { return signals::constant("norms/fair_criterion.json", pointer); }

void FairOptions::validate() const {
    auto fail = [](const std::string& what) { throw std::invalid_argument("FairOptions." + what); };
    if (anatomic_position.empty()) fail("anatomic_position must not be empty");
    if (fair_position.empty()) fail("fair_position must not be empty");
    if (anatomic_position == fair_position) fail("fair_position must differ from anatomic_position");
    if (!(std::isfinite(criterion_ms) && criterion_ms > 0.0)) fail("criterion_ms must be finite and > 0");
    if (min_sweeps_per_position < 1 || min_sweeps_per_position > 1000)
        fail("min_sweeps_per_position must be in 1..1000");
    if (!(std::isfinite(recovery_window_s) && recovery_window_s >= 0.0))
        fail("recovery_window_s must be finite and >= 0");
    if (!(alpha > 0.0 && alpha < 1.0)) fail("alpha must be in (0, 1)");
    if (permutations < 99 || permutations > 1000000) fail("permutations must be in 99..1000000");
    if (!(std::isfinite(onset_penalty_sd) && onset_penalty_sd >= 0.0))
        fail("onset_penalty_sd must be finite and >= 0");
    if (bootstrap_resamples < 100 || bootstrap_resamples > 1000000)
        fail("bootstrap_resamples must be in 100..1000000 (percentile limits need replicates in each tail)");
}

std::string_view to_string(FairStatus status) noexcept {
    switch (status) {
        case FairStatus::ok:
            return "ok";
        case FairStatus::insufficient_data:
            return "insufficient_data";
    }
    return "unknown";
}

std::string_view to_string(FairShortfall shortfall) noexcept {
    switch (shortfall) {
        case FairShortfall::none:
            return "none";
        case FairShortfall::too_few_anatomic:
            return "too_few_anatomic";
        case FairShortfall::too_few_fair:
            return "too_few_fair";
        case FairShortfall::too_few_anatomic_and_fair:
            return "too_few_anatomic_and_fair";
    }
    return "unknown";
}

}  // namespace edx::evoked
