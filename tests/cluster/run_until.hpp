#pragma once

#include <boost/asio/io_context.hpp>

#include <chrono>

namespace parley::testing {

/// Runs `ioc` in 5 ms slices until `done()` or `limit` passes; false on the limit.
template <typename Done>
bool run_until(boost::asio::io_context& ioc, Done done, std::chrono::milliseconds limit) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (!done() && std::chrono::steady_clock::now() < end) {
    ioc.run_for(std::chrono::milliseconds(5));
    ioc.restart();
  }
  return done();
}

}  // namespace parley::testing
