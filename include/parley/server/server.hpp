#pragma once

#include <cstdint>
#include <memory>

#include "parley/config/config.hpp"

namespace parley {

/** The whole server: one io_context run by one thread, the listener, the
    chat service and its timers, and the signal handling.

    This header is all `main` and the tests see; Beast and Asio stay behind it.
*/
class server {
public:
  explicit server(const config& cfg);
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  /// Binds the port; throws std::runtime_error naming the address on failure.
  void open();
  /// The bound port (useful with PORT=0).
  std::uint16_t port() const;
  /// Runs until SIGINT/SIGTERM or stop(), then drains; returns the exit status.
  int run();
  /// Starts a graceful stop; safe to call from any thread.
  void stop();

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace parley
