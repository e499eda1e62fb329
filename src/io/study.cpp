#include "edx/io/study.hpp"

namespace edx {

const Recording* Study::find(std::string_view name) const noexcept {
    for (const auto& recording : recordings) {
        if (recording.info.name == name) return &recording;
    }
    return nullptr;
}

SubjectMeasures Study::measures_for(const Recording& recording) const {
    return recording.info.subject.merged_over(subject);
}

}  // namespace edx
