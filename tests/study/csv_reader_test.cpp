#include <catch2/catch.hpp>

#include <sstream>

#include "study/csv_reader.hpp"

using edx::study::detail::CsvReader;
using edx::study::detail::parse_csv_line;

TEST_CASE("CSV: quoted fields hold commas and doubled quotes, unquoted fields are trimmed", "[study][csv]") {
    const auto r = parse_csv_line(R"( S1 ,"data/a, b.h5", "say ""hi""" ,,x)", 3);
    REQUIRE(r.error.empty());
    REQUIRE(r.line == 3);
    REQUIRE(r.fields == std::vector<std::string>{"S1", "data/a, b.h5", "say \"hi\"", "", "x"});
    const auto q = parse_csv_line(R"("  kept  ",)", 1);
    REQUIRE(q.fields == std::vector<std::string>{"  kept  ", ""});
}

TEST_CASE("CSV: malformed quoting is reported for its own line only", "[study][csv]") {
    REQUIRE_THAT(parse_csv_line(R"(a,"open,b)", 1).error, Catch::Contains("not closed"));
    REQUIRE_THAT(parse_csv_line(R"(a,"x"y,b)", 1).error, Catch::Contains("after the closing quote"));
    REQUIRE_THAT(parse_csv_line(R"(a,x"y,b)", 1).error, Catch::Contains("quote inside an unquoted field"));

    std::istringstream in("h1,h2\n\"bad,1\nok,2\n");
    CsvReader reader(in);
    REQUIRE(reader.next()->fields.size() == 2);
    const auto bad = reader.next();
    REQUIRE(bad->line == 2);
    REQUIRE(!bad->error.empty());
    const auto ok = reader.next();
    REQUIRE(ok->line == 3);
    REQUIRE(ok->error.empty());
    REQUIRE(ok->fields == std::vector<std::string>{"ok", "2"});
    REQUIRE(!reader.next());
}

TEST_CASE("CSV: a byte-order mark, CRLF line ends and blank lines are handled, line numbers stay physical",
          "[study][csv]") {
    std::istringstream in("\xEF\xBB\xBFsubject,file\r\n\r\n   \r\nS1,a.h5\r\n");
    CsvReader reader(in);
    const auto header = reader.next();
    REQUIRE(header->fields == std::vector<std::string>{"subject", "file"});
    const auto row = reader.next();
    REQUIRE(row->line == 4);
    REQUIRE(row->fields == std::vector<std::string>{"S1", "a.h5"});
    REQUIRE(!reader.next());
}
