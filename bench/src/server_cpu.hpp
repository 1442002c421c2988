#ifndef PARLEY_BENCH_SERVER_CPU_HPP
#define PARLEY_BENCH_SERVER_CPU_HPP

#include "bench_options.hpp"
#include "process_stats.hpp"

#include <optional>
#include <vector>

namespace parley::bench {

/// CPU time of the whole server side: --server-pid plus every --cpu-pid (a
/// cluster's other instances and its redis-server). nullopt when no server
/// pid was given or any of the processes cannot be read.
std::optional<cpu_times> read_server_cpu(bench_options const& opts);

/// The same per process: --server-pid first, then each --cpu-pid in order
/// (nullopt for one that cannot be read).
std::vector<std::optional<cpu_times>> read_each_server_cpu(bench_options const& opts);

}  // namespace parley::bench

#endif
