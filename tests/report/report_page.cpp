#include "report_page.hpp"

#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>

namespace edx::test {

nlohmann::json page_data(const std::string& html) {
    const std::string open = "<script type=\"application/json\" id=\"edx-data\">";
    const auto a = html.find(open);
    if (a == std::string::npos) throw std::runtime_error("no edx-data block in the page");
    const auto b = html.find("</script>", a);
    if (b == std::string::npos) throw std::runtime_error("the edx-data block is not closed");
    return nlohmann::json::parse(html.substr(a + open.size(), b - a - open.size()));
}

std::vector<std::string> attribute_values(const std::string& html, const std::string& name) {
    std::vector<std::string> out;
    const std::string key = " " + name + "=\"";
    for (auto p = html.find(key); p != std::string::npos; p = html.find(key, p + 1)) {
        const auto start = p + key.size();
        out.push_back(html.substr(start, html.find('"', start) - start));
    }
    return out;
}

namespace {

int base64_value(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    throw std::runtime_error("not base64");
}

}  // namespace

std::vector<double> decoded_samples(const nlohmann::json& sweeps) {
    const std::string text = sweeps.at("counts_base64").get<std::string>();
    std::vector<std::uint8_t> bytes;
    for (std::size_t i = 0; i + 4 <= text.size(); i += 4) {
        const int v0 = base64_value(text[i]), v1 = base64_value(text[i + 1]);
        bytes.push_back(static_cast<std::uint8_t>((v0 << 2) | (v1 >> 4)));
        if (text[i + 2] != '=') {
            const int v2 = base64_value(text[i + 2]);
            bytes.push_back(static_cast<std::uint8_t>(((v1 & 15) << 4) | (v2 >> 2)));
            if (text[i + 3] != '=') bytes.push_back(static_cast<std::uint8_t>(((v2 & 3) << 6) | base64_value(text[i + 3])));
        }
    }
    const double scale = sweeps.at("scale").get<double>();
    const int bad = sweeps.at("non_finite_count").get<int>();
    std::vector<double> out(bytes.size() / 2);
    for (std::size_t i = 0; i < out.size(); ++i) {
        const auto count = static_cast<std::int16_t>(static_cast<std::uint16_t>(bytes[2 * i] | (bytes[2 * i + 1] << 8)));
        out[i] = count == bad ? std::numeric_limits<double>::quiet_NaN() : count * scale;
    }
    return out;
}

}  // namespace edx::test
