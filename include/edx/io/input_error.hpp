// The one error type for bad input at the edges of the engine (files, streams,
// case files). It carries where the problem is and which rule it breaks, so the
// CLI can print one precise line and exit with status 2.
#pragma once

#include <stdexcept>
#include <string>

namespace edx {

class InputError : public std::runtime_error {
public:
    // source: the file or stream ("study.h5", "stdin"); object: the place inside
    // it ("/recordings/soleus_left/sweeps", "line 12", "frame 40"); rule: what
    // is wrong, phrased as the rule that was broken.
    InputError(std::string source, std::string object, std::string rule);

    const std::string& source() const noexcept { return source_; }
    const std::string& object() const noexcept { return object_; }
    const std::string& rule() const noexcept { return rule_; }

private:
    std::string source_;
    std::string object_;
    std::string rule_;
};

}  // namespace edx
