#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstddef>

#include "parley/config/config.hpp"
#include "parley/core/session_manager.hpp"
#include "parley/core/time_source.hpp"
#include "parley/core/token_source.hpp"
#include "parley/server/connection_registry.hpp"
#include "parley/server/metrics.hpp"
#include "parley/server/origin_policy.hpp"
#include "parley/server/static_files.hpp"

namespace parley {

namespace net = boost::asio;

/** What every connection shares, owned by the server for its whole life.

    The server runs one io_context on one thread: that is an implicit strand,
    so nothing here needs a lock.
*/
struct server_state {
  server_state(net::io_context& io, const config& settings)
      : ioc(io),
        cfg(settings),
        origins(settings.allowed_origins, settings.cors_origins),
        files(settings.web_root),
        sessions(settings.session, clock, tokens, registry) {}

  net::io_context& ioc;
  const config cfg;
  system_time_source clock;
  random_token_source tokens;
  origin_policy origins;
  static_files files;
  metrics stats;
  connection_registry registry;
  session_manager sessions;

  const std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  std::size_t open_connections = 0;
  std::size_t max_connections = 0;
  bool stopping = false;

  double uptime_s() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  }
};

}  // namespace parley
