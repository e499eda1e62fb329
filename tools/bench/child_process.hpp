// Running a program as a child of a benchmark: its stdout, wall time, CPU time
// and its own peak RSS (from wait4), so a figure measures that program alone.
#pragma once

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace edx::bench {

struct ChildRun {
    int status = -1;
    double wall_s = 0.0;
    double cpu_s = 0.0;  // user + system time of the child
    double peak_rss_mb = 0.0;
    std::string out;
};

// Runs argv (argv[0] a path) with stdout captured; stderr is discarded when quiet_stderr.
inline ChildRun run_child(const std::vector<std::string>& argv, bool quiet_stderr = false) {
    char out_template[] = "/tmp/edx_bench_outXXXXXX";
    const int out_fd = mkstemp(out_template);
    if (out_fd < 0) throw std::runtime_error("mkstemp failed");
    const auto start = std::chrono::steady_clock::now();
    const pid_t pid = fork();
    if (pid == 0) {
        dup2(out_fd, STDOUT_FILENO);
        if (quiet_stderr) {
            if (std::FILE* null = std::fopen("/dev/null", "w")) dup2(fileno(null), STDERR_FILENO);
        }
        std::vector<char*> args;
        for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        execv(args[0], args.data());
        _exit(127);
    }
    int status = 0;
    rusage usage{};
    wait4(pid, &status, 0, &usage);
    ChildRun run;
    run.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    run.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    run.peak_rss_mb = static_cast<double>(usage.ru_maxrss) / 1024.0;  // Linux: kilobytes
    auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + 1e-6 * static_cast<double>(t.tv_usec); };
    run.cpu_s = seconds(usage.ru_utime) + seconds(usage.ru_stime);
    close(out_fd);
    std::ifstream in(out_template);
    std::stringstream text;
    text << in.rdbuf();
    run.out = text.str();
    std::filesystem::remove(out_template);
    return run;
}

}  // namespace edx::bench
