#include "edx_runner.hpp"

#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace edx::test {

namespace {
std::string slurp(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}
}  // namespace

std::string shell_quoted(const std::string& text) {
    std::string q = "'";
    for (char c : text) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

EdxRun run_edx(const std::filesystem::path& scratch, const std::string& args) {
    const auto out = scratch / "stdout.txt";
    const auto err = scratch / "stderr.txt";
    const std::string command = shell_quoted(EDX_EXECUTABLE) + " " + args + " >" + shell_quoted(out.string()) +
                                " 2>" + shell_quoted(err.string());
    const int raw = std::system(command.c_str());
    EdxRun run;
    run.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
    run.out = slurp(out);
    run.err = slurp(err);
    return run;
}

}  // namespace edx::test
