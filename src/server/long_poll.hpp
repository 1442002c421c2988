#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <memory>

#include "connection_tracker.hpp"
#include "http_types.hpp"
#include "parley/app/chat_service.hpp"

namespace parley {

/// A `/receive` that waits: answered when an event arrives for its
/// participant, when its wait runs out, or at shutdown, whichever comes
/// first. It keeps only what the answer needs, not the request.
class long_poll final : public std::enable_shared_from_this<long_poll>,
                        public event_waiter,
                        public stoppable {
public:
  long_poll(boost::asio::io_context& ioc, chat_service& chats, connection_tracker& connections,
            participant_id who, std::uint64_t since, reply_shape shape, responder respond);
  ~long_poll();
  long_poll(const long_poll&) = delete;
  long_poll& operator=(const long_poll&) = delete;

  /// Registers the poll and arms its timer.
  void start(std::chrono::milliseconds wait);

  // event_waiter: answers soon (posted, so that the events of one command
  // arrive together and the chat service is not called back).
  void wake() override;
  // stoppable
  void shutdown() override { wake(); }

private:
  void complete();

  boost::asio::io_context& ioc_;
  chat_service& chats_;
  connection_tracker& connections_;
  participant_id who_;
  std::uint64_t since_;
  reply_shape shape_;
  responder respond_;
  boost::asio::steady_timer timer_;
  bool waiting_ = false;
  bool done_ = false;
};

}  // namespace parley
