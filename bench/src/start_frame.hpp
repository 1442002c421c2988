#ifndef PARLEY_BENCH_START_FRAME_HPP
#define PARLEY_BENCH_START_FRAME_HPP

#include "bench_options.hpp"

#include <cstddef>
#include <string>

namespace parley::bench {

/// The `start` frame client `index` sends: a video chat with no interests, or
/// with --paired-interests one interest that only it and client index^1 have.
std::string start_frame(bench_options const& opts, std::size_t index);

/// Where client `index` is connected: 0 for --port, 1 for --port-b.
inline int instance_of(bench_options const& opts, std::size_t index) {
    return opts.port_b != 0 && index % 2 == 1 ? 1 : 0;
}

}  // namespace parley::bench

#endif
