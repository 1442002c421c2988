#include "syscall_counter.hpp"

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <thread>
#include <vector>

extern char** environ;

namespace parley::bench {

syscall_counter::syscall_counter(int pid) {
    if (pid <= 0 || std::getenv("BENCH_NO_PERF") != nullptr) return;
    char path[] = "/tmp/parley-bench-perf.XXXXXX";
    int const fd = mkstemp(path);
    if (fd < 0) return;
    close(fd);
    output_ = path;
    std::string const target = std::to_string(pid);
    std::vector<std::string> args = {"perf", "stat", "-x,", "-e", "raw_syscalls:sys_enter", "-o", output_,
                                     "-p", target};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t child = -1;
    if (posix_spawnp(&child, "perf", nullptr, nullptr, argv.data(), environ) != 0) return;
    perf_pid_ = child;
    // perf needs a moment to attach; the measured phase starts after it.
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
}

syscall_counter::~syscall_counter() {
    stop();
    if (!output_.empty()) std::remove(output_.c_str());
}

std::optional<std::uint64_t> syscall_counter::stop() {
    if (perf_pid_ <= 0) return std::nullopt;
    kill(perf_pid_, SIGINT);
    int status = 0;
    waitpid(perf_pid_, &status, 0);
    perf_pid_ = -1;
    // CSV: "count,unit,event,..."; comment lines start with '#'.
    std::ifstream in(output_);
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        if (line.find("raw_syscalls:sys_enter") == std::string::npos) continue;
        char* end = nullptr;
        auto const count = std::strtoull(line.c_str(), &end, 10);
        if (end == line.c_str()) return std::nullopt;  // "<not counted>"
        return count;
    }
    return std::nullopt;
}

}  // namespace parley::bench
