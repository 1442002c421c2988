#ifndef PARLEY_BENCH_IDLE_SCENARIO_HPP
#define PARLEY_BENCH_IDLE_SCENARIO_HPP

#include "bench_options.hpp"
#include "report.hpp"

namespace parley::bench {

/// `idle`: --clients connections that only say hello; the server's resident
/// memory before and after gives the cost of one idle connection.
scenario_report run_idle_scenario(bench_options const& opts);

}  // namespace parley::bench

#endif
