#include "needle_emg_table.hpp"

#include <stdexcept>
#include <string>

#include "edx/signals/table.hpp"

namespace edx::sim::needle_table {

namespace {
[[noreturn]] void fail(std::string_view path, std::string_view pointer, std::string_view what) {
    throw std::out_of_range("signals/" + std::string(path) + " " + std::string(pointer) + ": " + std::string(what));
}
}  // namespace

bool has(std::string_view path, std::string_view pointer) {
    return edx::signals::table(path).contains(nlohmann::json::json_pointer(std::string(pointer)));
}

const nlohmann::json& entry(std::string_view path, std::string_view pointer) {
    const auto& table = edx::signals::table(path);
    const nlohmann::json::json_pointer ptr{std::string(pointer)};
    if (!table.contains(ptr)) fail(path, pointer, "missing");
    return table.at(ptr);
}

double field(std::string_view path, std::string_view pointer, std::string_view name) {
    const auto& e = entry(path, pointer);
    const auto it = e.find(std::string(name));
    if (it == e.end() || !it->is_number()) fail(path, pointer, "no number '" + std::string(name) + "'");
    return it->get<double>();
}

double value(std::string_view path, std::string_view pointer) { return field(path, pointer, "value"); }

Interval interval(std::string_view path, std::string_view pointer) {
    const auto& e = entry(path, pointer);
    if (e.contains("value")) return Interval::exactly(field(path, pointer, "value"));
    const Interval result{field(path, pointer, "min"), field(path, pointer, "max")};
    if (!result.valid()) fail(path, pointer, "min must not exceed max");
    return result;
}

}  // namespace edx::sim::needle_table
