#include <catch2/catch.hpp>

#include <set>
#include <string>

#include "edx/signals/table.hpp"

using nlohmann::json;

namespace {
// A sourced entry is any object with "value" (a constant) or "source" (a
// sourced fact such as a muscle's innervation); both need a source and a status.
void check_constants(const json& node, const json& sources, const std::string& where, int& constants) {
    static const std::set<std::string> statuses = {"verified", "inferred", "unverified", "assumption"};
    if (node.is_object()) {
        if (node.contains("value") || node.contains("source")) {
            ++constants;
            INFO(where);
            REQUIRE(node.contains("source"));
            REQUIRE(node.contains("status"));
            REQUIRE(statuses.count(node.at("status").get<std::string>()) == 1);
            const auto& source = node.at("source");
            if (source.is_array()) {
                REQUIRE_FALSE(source.empty());
                for (const auto& key : source) REQUIRE(sources.contains(key.get<std::string>()));
            } else {
                REQUIRE(sources.contains(source.get<std::string>()));
            }
            return;
        }
        for (const auto& [key, child] : node.items()) {
            if (key == "sources") continue;
            check_constants(child, sources, where + "/" + key, constants);
        }
    } else if (node.is_array()) {
        for (std::size_t i = 0; i < node.size(); ++i) {
            check_constants(node[i], sources, where + "/" + std::to_string(i), constants);
        }
    }
}
}  // namespace

TEST_CASE("every constant in signals/ names a source the table lists", "[signals]") {
    const auto paths = edx::signals::table_paths();
    for (const auto& path : paths) {
        const auto& table = edx::signals::table(path);
        INFO(path);
        REQUIRE(table.contains("sources"));
        REQUIRE(table.at("sources").is_object());
        for (const auto& [key, citation] : table.at("sources").items()) {
            REQUIRE(citation.is_string());
            REQUIRE(citation.get<std::string>().size() > 10);
        }
        int constants = 0;
        check_constants(table, table.at("sources"), path, constants);
        REQUIRE(constants > 0);
    }
}

TEST_CASE("a missing table or constant is named in the error", "[signals]") {
    REQUIRE_THROWS_WITH(edx::signals::table("no/such.json"), Catch::Contains("no/such.json"));
}
