#pragma once

#include <string_view>
#include <vector>

namespace edx::signals::detail {

struct EmbeddedTable {
    std::string_view path;
    std::string_view content;
};

const std::vector<EmbeddedTable>& embedded_tables();

}  // namespace edx::signals::detail
