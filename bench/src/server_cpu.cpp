#include "server_cpu.hpp"

namespace parley::bench {

std::optional<cpu_times> read_server_cpu(bench_options const& opts) {
    auto total = read_cpu_times(opts.server_pid);
    if (!total) return std::nullopt;
    for (int const pid : opts.cpu_pids) {
        auto const more = read_cpu_times(pid);
        // A process that vanished would make the sum look cheaper than it was.
        if (!more) return std::nullopt;
        total->user_s += more->user_s;
        total->system_s += more->system_s;
    }
    return total;
}

std::vector<std::optional<cpu_times>> read_each_server_cpu(bench_options const& opts) {
    std::vector<std::optional<cpu_times>> out{read_cpu_times(opts.server_pid)};
    for (int const pid : opts.cpu_pids) out.push_back(read_cpu_times(pid));
    return out;
}

}  // namespace parley::bench
