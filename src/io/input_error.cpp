#include "edx/io/input_error.hpp"

namespace edx {

namespace {
std::string compose(const std::string& source, const std::string& object, const std::string& rule) {
    std::string msg = source;
    if (!object.empty()) msg += ": " + object;
    msg += ": " + rule;
    return msg;
}
}  // namespace

InputError::InputError(std::string source, std::string object, std::string rule)
    : std::runtime_error(compose(source, object, rule)),
      source_(std::move(source)),
      object_(std::move(object)),
      rule_(std::move(rule)) {}

}  // namespace edx
