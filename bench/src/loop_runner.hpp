#ifndef PARLEY_BENCH_LOOP_RUNNER_HPP
#define PARLEY_BENCH_LOOP_RUNNER_HPP

#include "net.hpp"

#include <chrono>
#include <functional>

namespace parley::bench {

using bench_clock = std::chrono::steady_clock;

/// Nanoseconds on the steady clock; every timestamp the generator compares
/// comes from this one clock in this one process.
inline std::uint64_t now_ns() {
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(bench_clock::now().time_since_epoch()).count());
}

/// Runs `ioc` until `done()` holds (checked every millisecond) or `deadline`
/// passes; returns done(). Work still queued stays queued for the next call,
/// so a scenario can run its phases one after another on one io_context.
/// Timings are taken inside the handlers, so the polling adds nothing to them.
bool run_until(net::io_context& ioc, bench_clock::time_point deadline, std::function<bool()> done);

/// Runs the handlers still queued (cancelled timers, aborted sockets) until
/// none is left. Call it after every socket is closed, before the clients die.
void drain(net::io_context& ioc);

}  // namespace parley::bench

#endif
