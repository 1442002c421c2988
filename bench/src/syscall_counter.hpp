#ifndef PARLEY_BENCH_SYSCALL_COUNTER_HPP
#define PARLEY_BENCH_SYSCALL_COUNTER_HPP

#include <cstdint>
#include <optional>
#include <string>

namespace parley::bench {

/** Counts the system calls another process makes while it lives, with
    `perf stat -e raw_syscalls:sys_enter -p PID` (Debian's linux-perf; needs
    root or kernel.perf_event_paranoid <= 1). Without perf it counts
    nothing and `stop()` returns nullopt: the figure is then left out, not
    guessed.
*/
class syscall_counter {
public:
    /// Starts counting the calls of `pid` (nothing when pid <= 0).
    explicit syscall_counter(int pid);
    ~syscall_counter();
    syscall_counter(syscall_counter const&) = delete;
    syscall_counter& operator=(syscall_counter const&) = delete;

    /// Stops counting; the number of calls since the start.
    std::optional<std::uint64_t> stop();

private:
    int perf_pid_ = -1;
    std::string output_;
};

}  // namespace parley::bench

#endif
