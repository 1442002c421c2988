#ifndef PARLEY_BENCH_PROCESS_STATS_HPP
#define PARLEY_BENCH_PROCESS_STATS_HPP

#include <cstdint>
#include <optional>

namespace parley::bench {

/// CPU time a process has used so far, user plus system (from /proc/PID/stat).
struct cpu_times {
    double user_s = 0;
    double system_s = 0;

    double total_s() const { return user_s + system_s; }
};

/// Reads utime and stime of `pid`; nullopt when the process is gone or pid <= 0.
std::optional<cpu_times> read_cpu_times(int pid);

/// CPU time of this process (the load generator), to show whether it, rather
/// than the server, was the bottleneck of a run.
cpu_times own_cpu_times();

/// Reads VmRSS of `pid` in bytes (from /proc/PID/status); nullopt when unknown.
std::optional<std::uint64_t> read_rss_bytes(int pid);

/// Raises the soft RLIMIT_NOFILE to the hard limit and returns the new soft limit.
/// Each client socket is a file descriptor, so the idle scenario needs them all.
std::uint64_t raise_open_file_limit();

}  // namespace parley::bench

#endif
