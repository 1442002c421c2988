#include "parley/server/long_poll.hpp"

#include <boost/asio/post.hpp>

#include "parley/server/rest_api.hpp"
#include "parley/server/server_state.hpp"

namespace parley {

long_poll::long_poll(server_state& state, participant_id id, std::uint64_t since,
                     http_request req, answer_fn respond)
    : state_(state),
      id_(id),
      since_(since),
      req_(std::move(req)),
      respond_(std::move(respond)),
      timer_(state.ioc) {}

void long_poll::start(std::chrono::milliseconds wait) {
  if (auto* p = state_.sessions.find(id_)) state_.sessions.begin_poll(*p);
  state_.registry.add_poll(id_, shared_from_this());
  timer_.expires_after(wait);
  timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (!ec) self->complete();
  });
}

void long_poll::wake() {
  if (done_) return;
  net::post(state_.ioc, [self = shared_from_this()] { self->complete(); });
}

void long_poll::complete() {
  if (done_) return;
  done_ = true;
  timer_.cancel();
  state_.registry.remove_poll(id_, this);
  auto* p = state_.sessions.find(id_);
  if (p == nullptr) {
    respond_(error_response(req_, error_code::unauthorized, "this session has ended"));
    return;
  }
  state_.sessions.end_poll(*p);
  respond_(json_response(req_, http::status::ok, rest_api::receive_body(state_, *p, since_)));
}

}  // namespace parley
