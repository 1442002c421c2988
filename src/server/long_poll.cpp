#include "long_poll.hpp"

#include <boost/asio/post.hpp>

namespace parley {

long_poll::long_poll(boost::asio::io_context& ioc, chat_service& chats,
                     connection_tracker& connections, participant_id who, std::uint64_t since,
                     reply_shape shape, responder respond)
    : ioc_(ioc),
      chats_(chats),
      connections_(connections),
      who_(who),
      since_(since),
      shape_(std::move(shape)),
      respond_(std::move(respond)),
      timer_(ioc) {}

long_poll::~long_poll() {
  if (waiting_) chats_.end_wait(who_, *this);
  connections_.remove(this);
}

void long_poll::start(std::chrono::milliseconds wait) {
  chats_.begin_wait(who_, *this);
  waiting_ = true;
  connections_.add(shared_from_this());
  timer_.expires_after(wait);
  timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (!ec) self->complete();
  });
}

void long_poll::wake() {
  if (done_) return;
  boost::asio::post(ioc_, [self = shared_from_this()] { self->complete(); });
}

void long_poll::complete() {
  if (done_) return;
  done_ = true;
  timer_.cancel();
  chats_.end_wait(who_, *this);
  waiting_ = false;
  connections_.remove(this);
  auto body = chats_.receive_body(who_, since_);
  if (!body) {
    respond_(error_response(shape_, {error_code::unauthorized, "this participant has ended"}));
    return;
  }
  respond_(json_response(shape_, http::status::ok, std::move(*body)));
}

}  // namespace parley
