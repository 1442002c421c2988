#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "parley/config/redis_url.hpp"
#include "redis_reply.hpp"

namespace parley {

struct redis_connection;

/** One connection to Redis, driven by the server's Asio event loop: hiredis'
    asynchronous API with its read and write interest mapped onto
    `async_wait` on the socket. No thread, no blocking call on the loop (the
    host name is resolved with Asio first, because hiredis would resolve it
    with a blocking getaddrinfo).

    Fails fast: while it is not connected, or with `max_pending` commands
    outstanding, a command is answered at once with no reply (nullptr). A
    command not answered within its timeout drops the connection, which
    answers every outstanding command the same way. It reconnects by itself
    with exponential backoff. Handlers always run later from the loop, never
    inside the call that issued the command.
*/
class redis_client : public std::enable_shared_from_this<redis_client> {
public:
  struct settings {
    redis_url url;
    std::string name = "redis";  ///< in log lines (never the password)
    std::chrono::milliseconds command_timeout{2000};
    std::chrono::milliseconds retry_min{100};
    std::chrono::milliseconds retry_max{5000};
    std::size_t max_pending = 10'000;
  };
  /// nullptr: no answer (Redis unreachable, timed out or too busy).
  using handler = std::function<void(const redis_reply*)>;

  redis_client(boost::asio::io_context& ioc, settings s);
  ~redis_client();
  redis_client(const redis_client&) = delete;
  redis_client& operator=(const redis_client&) = delete;

  /// Starts connecting; `on_ready` runs on every (re)connection, once AUTH
  /// and SELECT succeeded.
  void start(std::function<void()> on_ready = {});
  /// Drops the connection and stops reconnecting.
  void stop();
  bool ready() const noexcept { return ready_; }
  std::size_t pending() const noexcept { return deadlines_.size(); }

  /// Sends `args` as one command. `extra_timeout` lengthens the deadline of
  /// commands that block on purpose (XREAD BLOCK).
  void command(const std::vector<std::string>& args, handler done,
               std::chrono::milliseconds extra_timeout = std::chrono::milliseconds(0));

private:
  void connect();
  void on_resolved(const boost::asio::ip::tcp::endpoint& endpoint);
  void lost(const std::string& why);
  void schedule_retry();
  void arm_watchdog();
  void fail_later(handler done);
  friend struct redis_connection;

  boost::asio::io_context& ioc_;
  settings settings_;
  boost::asio::ip::tcp::resolver resolver_;
  boost::asio::steady_timer retry_timer_;
  boost::asio::steady_timer watchdog_;
  std::shared_ptr<redis_connection> connection_;
  std::function<void()> on_ready_;
  std::chrono::milliseconds backoff_;
  /// Deadlines of the outstanding commands, oldest first (Redis answers in order).
  std::deque<std::chrono::steady_clock::time_point> deadlines_;
  bool ready_ = false;
  bool stopped_ = true;
  bool warned_down_ = false;
};

}  // namespace parley
