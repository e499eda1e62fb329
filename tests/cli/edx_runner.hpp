// Runs the built `edx` binary as a user would and captures what it printed.
#pragma once

#include <filesystem>
#include <string>

namespace edx::test {

struct EdxRun {
    int status = -1;  // exit status, -1 if it did not exit normally
    std::string out;
    std::string err;
};

// Single-quotes `text` for /bin/sh.
std::string shell_quoted(const std::string& text);

// Runs `edx <args>` (args already quoted for the shell), with stdout and stderr
// captured in files of `scratch`.
EdxRun run_edx(const std::filesystem::path& scratch, const std::string& args);

}  // namespace edx::test
