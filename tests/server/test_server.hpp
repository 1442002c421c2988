#pragma once

// The real server, in-process, on an ephemeral loopback port, run by its own
// thread exactly as `main` runs it.

#include <spdlog/spdlog.h>

#include <cstdint>
#include <future>
#include <thread>

#include "parley/config/config.hpp"
#include "parley/server/server.hpp"

namespace parley::testing {

inline config test_config() {
  config cfg;
  cfg.host = "127.0.0.1";
  cfg.port = 0;
  cfg.web_root = "/nonexistent-web-root";
  cfg.log_level = "error";
  cfg.shutdown_grace = std::chrono::seconds(3);
  // `online` pushes would interleave with the frames tests wait for.
  cfg.online_push_interval = std::chrono::hours(1);
  // Every test talks from 127.0.0.1: the rate-limit tests turn on what they test.
  cfg.abuse = abuse_limits::none();
  return cfg;
}

class test_server {
public:
  explicit test_server(const config& cfg = test_config()) : server_(cfg) {
    spdlog::set_level(spdlog::level::from_str(cfg.log_level));
    server_.open();
    port_ = server_.port();
    thread_ = std::thread([this] { exit_code_.set_value(server_.run()); });
  }
  ~test_server() { stop(); }
  test_server(const test_server&) = delete;
  test_server& operator=(const test_server&) = delete;

  std::uint16_t port() const { return port_; }

  /// Graceful stop; returns the exit status of run().
  int stop() {
    if (thread_.joinable()) {
      server_.stop();
      thread_.join();
      status_ = exit_code_.get_future().get();
    }
    return status_;
  }

private:
  server server_;
  std::uint16_t port_ = 0;
  std::promise<int> exit_code_;
  std::thread thread_;
  int status_ = -1;
};

}  // namespace parley::testing
