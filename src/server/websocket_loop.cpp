#include "websocket_loop.hpp"

#include <boost/asio/post.hpp>
#include <thread>

#include "websocket_connection.hpp"

namespace parley {

boost::asio::execution_context::id websocket_loop::id;

websocket_loop::websocket_loop(boost::asio::execution_context& context)
    : boost::asio::execution_context::service(context),
      ioc_(static_cast<boost::asio::io_context&>(context)),
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

void websocket_loop::schedule_flush(std::shared_ptr<websocket_connection> c) {
  if (stopped_) return;
  dirty_.push_back(std::move(c));
  if (flush_posted_) return;
  flush_posted_ = true;
  // Posted now, this runs after the handlers that are ready (the reads of
  // this loop iteration), so whatever they queue leaves in one write per
  // socket; it adds no delay when nothing else is ready.
  boost::asio::post(ioc_, [this] { flush_all(); });
}

void websocket_loop::flush_all() {
  flush_posted_ = false;
  flushing_.swap(dirty_);
  std::size_t frames = 0;
  for (auto& c : flushing_) frames += c->flush();
  flushing_.clear();
  // Under load, a short pause makes the next reads and writes carry more
  // frames each: the kernel's cost is per call, not per byte. Only after a
  // busy flush, so a lone message is never delayed by it.
  if (coalesce_delay_.count() > 0 && frames >= busy_frames) std::this_thread::sleep_for(coalesce_delay_);
}

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

void websocket_loop::shutdown() {
  stopped_ = true;
  tick_timer_.cancel();
  dirty_.clear();
  flushing_.clear();
}

}  // namespace parley
