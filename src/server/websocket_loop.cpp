#include "websocket_loop.hpp"

#include <sys/epoll.h>
#include <unistd.h>

#include <array>
#include <boost/asio/post.hpp>
#include <thread>

#include "websocket_connection.hpp"

namespace parley {

boost::asio::execution_context::id websocket_loop::id;

namespace {
/// Events one epoll_wait takes at most; more are taken by the next call.
constexpr int batch_size = 256;

/// Gives back a list's storage after a burst (a broadcast dirties every
/// socket at once) rather than keep 16 bytes per socket for ever.
template <class T>
void trim(std::vector<T>& list, std::size_t keep) {
  if (list.empty() && list.capacity() > keep) std::vector<T>().swap(list);
}
}  // namespace

websocket_loop::websocket_loop(boost::asio::execution_context& context)
    : boost::asio::execution_context::service(context),
      ioc_(static_cast<boost::asio::io_context&>(context)),
      set_(ioc_),
      tick_timer_(ioc_) {}

websocket_loop::~websocket_loop() {
  // Connections that outlive the loop (none should) must not unlink from it.
  watched_.clear();
}

char* websocket_loop::receive_buffer(std::size_t min_size) {
  if (receive_size_ < min_size) {
    receive_ = std::make_unique_for_overwrite<char[]>(min_size);
    receive_size_ = min_size;
  }
  return receive_.get();
}

// ---- readiness ----

bool websocket_loop::add(websocket_connection& c, int fd) {
  if (stopped_) return false;
  if (!set_.is_open()) {
    const int ep = ::epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0) return false;
    boost::system::error_code ec;
    set_.assign(ep, ec);
    if (ec) {
      ::close(ep);
      return false;
    }
  }
  // Edge-triggered, both directions, for the socket's whole life: no system
  // call to re-arm it, ever. Bytes already waiting are reported at once.
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
  ev.data.ptr = &c;
  if (::epoll_ctl(set_.native_handle(), EPOLL_CTL_ADD, fd, &ev) != 0) return false;
  ++registered_;
  if (!waiting_) wait_ready();
  return true;
}

void websocket_loop::remove(int fd) noexcept {
  if (!set_.is_open()) return;
  epoll_event ev{};
  if (::epoll_ctl(set_.native_handle(), EPOLL_CTL_DEL, fd, &ev) == 0 && registered_ > 0) {
    --registered_;
  }
  // No socket: the set is closed (its wait cancelled), so that an idle
  // io_context can finish and the server holds no descriptor for it.
  if (registered_ == 0) {
    boost::system::error_code ignored;
    set_.close(ignored);
  }
}

void websocket_loop::wait_ready() {
  waiting_ = true;
  set_.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                  [this](boost::system::error_code ec) {
                    waiting_ = false;
                    if (stopped_) return;
                    if (!ec) {
                      on_ready();
                    } else if (ec != boost::asio::error::operation_aborted) {
                      return;
                    }
                    // Cancelled when the set emptied and closed; a socket added
                    // since has opened a new one.
                    if (!stopped_ && !waiting_ && registered_ > 0) wait_ready();
                  });
}

void websocket_loop::on_ready() {
  in_batch_ = true;
  // Sockets left with bytes to read by the last batch come first.
  if (!again_.empty()) {
    auto again = std::move(again_);
    again_.clear();
    for (auto& c : again) c->on_ready(EPOLLIN);
  }
  std::array<epoll_event, batch_size> events;
  for (;;) {
    const int n = ::epoll_wait(set_.native_handle(), events.data(), batch_size, 0);
    if (n <= 0) break;
    // Each registered connection owns itself until it is removed, so every
    // pointer is valid here; hold them all before any runs (one may end
    // another).
    ready_.clear();
    for (int i = 0; i < n; ++i) {
      auto* c = static_cast<websocket_connection*>(events[i].data.ptr);
      ready_.push_back({c->shared_from_this(), events[i].events});
    }
    for (auto& r : ready_) r.c->on_ready(r.events);
    ready_.clear();
    if (n < batch_size) break;
  }
  trim(ready_, max_kept_list);
  in_batch_ = false;
  flush_all();
}

void websocket_loop::read_again(std::shared_ptr<websocket_connection> c) {
  again_.push_back(std::move(c));
  if (again_posted_) return;
  again_posted_ = true;
  boost::asio::post(ioc_, [this] {
    again_posted_ = false;
    if (!stopped_ && !again_.empty()) on_ready();
  });
}

// ---- writing ----

void websocket_loop::schedule_flush(std::shared_ptr<websocket_connection> c) {
  if (stopped_) return;
  dirty_.push_back(std::move(c));
  if (in_batch_ || flush_posted_) return;
  flush_posted_ = true;
  // Frames from elsewhere (a REST call, a timer, another instance): posted
  // now, this runs after the handlers that are ready, so whatever they queue
  // leaves in one write per socket; it adds no delay when nothing else is.
  boost::asio::post(ioc_, [this] {
    flush_posted_ = false;
    flush_all();
  });
}

void websocket_loop::flush_all() {
  if (dirty_.empty()) return;
  flushing_.swap(dirty_);
  std::size_t frames = 0;
  for (auto& c : flushing_) frames += c->flush();
  flushing_.clear();
  trim(flushing_, max_kept_list);
  trim(dirty_, max_kept_list);
  // Under load, a short pause makes the next reads and writes carry more
  // frames each: the kernel's cost is per call, not per byte. Only after a
  // busy flush, so a lone message is never delayed by it.
  if (coalesce_delay_.count() > 0 && frames >= busy_frames) std::this_thread::sleep_for(coalesce_delay_);
}

// ---- keepalive and shutdown ----

void websocket_loop::watch(websocket_connection& c, std::chrono::milliseconds tick) {
  watched_.push_back(c);
  if (tick_.count() == 0) tick_ = std::max(tick, std::chrono::milliseconds(1));
  if (!ticking_ && !stopped_) arm_tick();
}

void websocket_loop::unwatch(websocket_connection& c) noexcept {
  c.websocket_loop_hook::unlink();
  if (watched_.empty() && ticking_ && !stopped_) tick_timer_.cancel();
}

void websocket_loop::arm_tick() {
  ticking_ = true;
  tick_timer_.expires_after(tick_);
  tick_timer_.async_wait([this](boost::system::error_code ec) {
    ticking_ = false;
    if (ec || stopped_) return;
    // A tick may end connections; they stay alive while this holds them.
    std::vector<std::shared_ptr<websocket_connection>> all;
    all.reserve(128);
    for (auto& c : watched_) all.push_back(c.shared_from_this());
    for (auto& c : all) c->keepalive_tick();
    all.clear();
    if (!watched_.empty()) arm_tick();
  });
}

void websocket_loop::track(connection_tracker& tracker) {
  for (const auto& s : stoppers_) {
    if (&s->tracker == &tracker) return;
  }
  // The tracker keeps a weak reference: expired once the loop is gone.
  stoppers_.push_back(std::make_shared<stopper>(*this, tracker));
  tracker.add(stoppers_.back());
}

void websocket_loop::stopper::shutdown() {
  std::vector<std::shared_ptr<websocket_connection>> mine;
  for (auto& c : loop.watched_) {
    if (c.counted_by(tracker)) mine.push_back(c.shared_from_this());
  }
  for (auto& c : mine) c->shutdown();
}

void websocket_loop::shutdown() {
  stopped_ = true;
  tick_timer_.cancel();
  dirty_.clear();
  flushing_.clear();
  again_.clear();
  ready_.clear();
  // Registered connections own themselves: let them go.
  std::vector<std::shared_ptr<websocket_connection>> all;
  for (auto& c : watched_) all.push_back(c.shared_from_this());
  for (auto& c : all) c->abandon();
  all.clear();
  boost::system::error_code ignored;
  set_.close(ignored);
}

}  // namespace parley
