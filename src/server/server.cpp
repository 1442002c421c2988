#include "parley/server/server.hpp"

#include <sys/resource.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <csignal>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>
#include <stdexcept>

#include "parley/server/listener.hpp"
#include "parley/server/server_state.hpp"

namespace parley {
namespace {

using namespace std::chrono_literals;

/// Session timers run this often: interest waits and grace periods are
/// seconds long, so a quarter second is precise enough and costs nothing.
constexpr auto tick_interval = 250ms;
/// File descriptors kept back from the connection cap (logs, web files, accept).
constexpr std::size_t reserved_descriptors = 64;

/// Raises the soft open-file limit to the hard one; returns the limit.
std::size_t raise_file_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return 1024;
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
    getrlimit(RLIMIT_NOFILE, &limit);
  }
  return static_cast<std::size_t>(limit.rlim_cur);
}

}  // namespace

struct server::impl {
  explicit impl(const config& cfg)
      : ioc(1), state(ioc, cfg), signals(ioc, SIGINT, SIGTERM), tick_timer(ioc), push_timer(ioc),
        drain_timer(ioc), deadline_timer(ioc) {}

  void start_timers() {
    tick_timer.expires_after(tick_interval);
    tick_timer.async_wait([this](boost::system::error_code ec) {
      if (ec || state.stopping) return;
      state.sessions.tick();
      start_timers();
    });
  }

  void start_online_push() {
    push_timer.expires_after(state.cfg.online_push_interval);
    push_timer.async_wait([this](boost::system::error_code ec) {
      if (ec || state.stopping) return;
      const auto online = state.sessions.online();
      // Only changes are pushed, and at most once per interval.
      if (online != last_online_pushed) {
        last_online_pushed = online;
        state.registry.broadcast(std::make_shared<const std::string>(
            nlohmann::json{{"type", "online"}, {"count", online}}.dump()));
      }
      start_online_push();
    });
  }

  void wait_for_signal() {
    signals.async_wait([this](boost::system::error_code ec, int signal) {
      if (ec) return;
      if (state.stopping) {
        spdlog::warn("second signal {}: stopping now", signal);
        ioc.stop();
        return;
      }
      spdlog::info("signal {}: shutting down", signal);
      // Listen for a second signal first: begin_shutdown may cancel it.
      wait_for_signal();
      begin_shutdown();
    });
  }

  void begin_shutdown() {
    if (state.stopping) return;
    state.stopping = true;
    if (acceptor) acceptor->stop();
    tick_timer.cancel();
    push_timer.cancel();
    state.registry.shutdown();
    deadline_timer.expires_after(state.cfg.shutdown_grace);
    deadline_timer.async_wait([this](boost::system::error_code ec) {
      if (ec) return;
      spdlog::warn("shutdown grace over with {} connections open; exiting",
                   state.open_connections);
      ioc.stop();
    });
    check_drained();
  }

  void check_drained() {
    if (state.open_connections == 0) {
      // Nothing in flight: let run() return.
      deadline_timer.cancel();
      signals.cancel();
      return;
    }
    drain_timer.expires_after(20ms);
    drain_timer.async_wait([this](boost::system::error_code ec) {
      if (!ec) check_drained();
    });
  }

  net::io_context ioc;
  server_state state;
  net::signal_set signals;
  net::steady_timer tick_timer;
  net::steady_timer push_timer;
  net::steady_timer drain_timer;
  net::steady_timer deadline_timer;
  std::shared_ptr<listener> acceptor;
  std::size_t last_online_pushed = 0;
};

server::server(const config& cfg) : impl_(std::make_unique<impl>(cfg)) {}

server::~server() = default;

void server::open() {
  auto& state = impl_->state;
  boost::system::error_code ec;
  const auto address = net::ip::make_address(state.cfg.host, ec);
  if (ec) throw std::runtime_error("invalid HOST '" + state.cfg.host + "': " + ec.message());
  try {
    impl_->acceptor = std::make_shared<listener>(
        state, net::ip::tcp::endpoint{address, state.cfg.port});
  } catch (const boost::system::system_error& e) {
    throw std::runtime_error("cannot listen on " + state.cfg.host + ":" +
                             std::to_string(state.cfg.port) + ": " + e.code().message());
  }

  const auto file_limit = raise_file_limit();
  const auto derived_cap = file_limit > reserved_descriptors * 2 ? file_limit - reserved_descriptors
                                                                 : file_limit / 2;
  state.max_connections =
      state.cfg.max_connections != 0 ? std::min(state.cfg.max_connections, derived_cap) : derived_cap;
  spdlog::info("open-file limit {}; at most {} connections", file_limit, state.max_connections);
  if (!state.files.available()) {
    spdlog::warn("web client not found at WEB_ROOT '{}': serving the API only", state.cfg.web_root);
  } else {
    spdlog::info("serving the web client from {}", state.files.root().string());
  }
}

std::uint16_t server::port() const {
  return impl_->acceptor ? impl_->acceptor->local_endpoint().port() : 0;
}

int server::run() {
  auto& i = *impl_;
  if (!i.acceptor) open();
  const auto endpoint = i.acceptor->local_endpoint();
  const auto host = endpoint.address().is_v6() ? "[" + endpoint.address().to_string() + "]"
                                               : endpoint.address().to_string();
  spdlog::info("listening on http://{}:{}", host, endpoint.port());
  i.acceptor->run();
  i.start_timers();
  i.start_online_push();
  i.wait_for_signal();
  i.ioc.run();
  spdlog::info("stopped");
  return 0;
}

void server::stop() {
  net::post(impl_->ioc, [this] { impl_->begin_shutdown(); });
}

}  // namespace parley
