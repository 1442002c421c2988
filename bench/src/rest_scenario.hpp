#ifndef PARLEY_BENCH_REST_SCENARIO_HPP
#define PARLEY_BENCH_REST_SCENARIO_HPP

#include "bench_options.hpp"
#include "report.hpp"

namespace parley::bench {

/// `rest`: --clients users, each on its own keep-alive connection with one
/// request in flight, run the REST text chat: POST /start, poll /receive
/// until matched, then --messages times /send + /receive, then /receive until
/// all of the partner's messages arrived, then /disconnect. Every message
/// names its sender and number, so loss and misrouting are detected.
scenario_report run_rest_scenario(bench_options const& opts);

}  // namespace parley::bench

#endif
