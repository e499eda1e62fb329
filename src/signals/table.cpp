#include "edx/signals/table.hpp"

#include <map>
#include <stdexcept>

#include "embedded_tables.hpp"

namespace edx::signals {

namespace {
const std::map<std::string, nlohmann::json, std::less<>>& parsed() {
    // Parsed once, on first use; C++ guarantees thread-safe initialisation.
    static const auto tables = [] {
        std::map<std::string, nlohmann::json, std::less<>> out;
        for (const auto& t : detail::embedded_tables()) {
            try {
                out.emplace(std::string(t.path), nlohmann::json::parse(t.content));
            } catch (const nlohmann::json::exception& e) {
                throw std::runtime_error("signals/" + std::string(t.path) + " is not valid JSON: " + e.what());
            }
        }
        return out;
    }();
    return tables;
}
}  // namespace

const nlohmann::json& table(std::string_view path) {
    const auto& tables = parsed();
    auto it = tables.find(path);
    if (it == tables.end()) throw std::out_of_range("no table signals/" + std::string(path));
    return it->second;
}

std::vector<std::string> table_paths() {
    std::vector<std::string> out;
    for (const auto& [path, json] : parsed()) out.push_back(path);
    return out;
}

double constant(std::string_view path, std::string_view pointer) {
    const auto& t = table(path);
    const nlohmann::json::json_pointer ptr{std::string(pointer)};
    if (!t.contains(ptr)) {
        throw std::out_of_range("signals/" + std::string(path) + " has no constant " + std::string(pointer));
    }
    const auto& entry = t.at(ptr);
    const auto& value = entry.is_object() ? entry.value("value", nlohmann::json()) : entry;
    if (!value.is_number()) {
        throw std::out_of_range("signals/" + std::string(path) + " " + std::string(pointer) + " is not a number");
    }
    return value.get<double>();
}

}  // namespace edx::signals
