#ifndef PARLEY_BENCH_MATCH_SCENARIO_HPP
#define PARLEY_BENCH_MATCH_SCENARIO_HPP

#include "bench_options.hpp"
#include "report.hpp"

namespace parley::bench {

/// `match`: --clients clients connect and `start` (video) in waves of --wave:
/// a wave connects, then all of it starts at once and waits to be matched.
/// With --churn, every pair then presses `next` (the initiator; its partner
/// starts again on partner_left) until --rounds x clients/2 new matches.
scenario_report run_match_scenario(bench_options const& opts);

}  // namespace parley::bench

#endif
