#ifndef PARLEY_BENCH_RELAY_SCENARIO_HPP
#define PARLEY_BENCH_RELAY_SCENARIO_HPP

#include "bench_options.hpp"
#include "report.hpp"

namespace parley::bench {

/// `relay`: --pairs pairs are matched, then every client sends --messages
/// signals to its partner with at most --window in flight (or at --rate
/// signals/s in total). Both ends live in this process, so each receipt is
/// checked against its sender (partner? next sequence number?) and releases
/// the sender's window at once.
scenario_report run_relay_scenario(bench_options const& opts);

}  // namespace parley::bench

#endif
