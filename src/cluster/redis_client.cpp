#include "redis_client.hpp"

#include <sys/ioctl.h>

#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>

namespace parley {

namespace net = boost::asio;
using namespace std::chrono_literals;

/// One hiredis context and the socket it reads and writes. It stays alive
/// until hiredis' cleanup hook, the last call hiredis makes with it, however
/// the connection ended.
struct redis_connection : std::enable_shared_from_this<redis_connection> {
  redis_connection(net::io_context& ioc, redis_client* client) : owner(client), socket(ioc) {}

  redis_client* owner;
  redisAsyncContext* ac = nullptr;
  net::posix::stream_descriptor socket;
  std::shared_ptr<redis_connection> keep_alive;  ///< released by the cleanup hook
  std::deque<std::chrono::steady_clock::time_point> deadlines;  ///< outstanding commands
  bool want_read = false, want_write = false;
  bool read_armed = false, write_armed = false;
  bool alive = true;     ///< hiredis still owns `ac`
  bool reported = false;  ///< the owner has been told it is gone

  void arm(bool reading) {
    bool& armed = reading ? read_armed : write_armed;
    if (armed || !alive) return;
    armed = true;
    socket.async_wait(reading ? net::posix::stream_descriptor::wait_read
                              : net::posix::stream_descriptor::wait_write,
                      [self = shared_from_this(), reading](boost::system::error_code ec) {
                        (reading ? self->read_armed : self->write_armed) = false;
                        if (ec || !self->alive) return;
                        if (reading && self->want_read) redisAsyncHandleRead(self->ac);
                        if (!reading && self->want_write) redisAsyncHandleWrite(self->ac);
                        // The handler may have ended the connection.
                        if (self->alive && (reading ? self->want_read : self->want_write)) {
                          self->arm(reading);
                        }
                      });
  }

  static redis_connection& of(void* privdata) { return *static_cast<redis_connection*>(privdata); }
  static void add_read(void* p) { of(p).want_read = true, of(p).arm(true); }
  static void del_read(void* p) { of(p).want_read = false; }
  static void add_write(void* p) { of(p).want_write = true, of(p).arm(false); }
  static void del_write(void* p) { of(p).want_write = false; }
  static void cleanup(void* p) {
    auto& c = of(p);
    c.alive = false;
    c.ac = nullptr;
    if (c.socket.is_open()) c.socket.release();  // hiredis closes the descriptor
    // Destroyed later from the loop: hiredis may still be on the stack.
    net::post(c.socket.get_executor(), [keep = std::move(c.keep_alive)] {});
  }
};

namespace {

/// What hiredis carries for one command until its reply.
struct pending_command {
  std::shared_ptr<redis_connection> via;
  redis_client::handler done;
};

void on_reply(redisAsyncContext*, void* reply, void* privdata);

redis_reply copy_reply(const redisReply& r) {
  redis_reply out;
  switch (r.type) {
    case REDIS_REPLY_STRING: out.type = redis_reply::kind::string; break;
    case REDIS_REPLY_STATUS: out.type = redis_reply::kind::status; break;
    case REDIS_REPLY_ERROR: out.type = redis_reply::kind::error; break;
    case REDIS_REPLY_INTEGER: out.type = redis_reply::kind::integer; break;
    case REDIS_REPLY_ARRAY: out.type = redis_reply::kind::array; break;
    default: out.type = redis_reply::kind::nil; break;
  }
  if (r.str != nullptr) out.text.assign(r.str, r.len);
  out.integer = r.integer;
  out.elements.reserve(r.elements);
  for (std::size_t i = 0; i < r.elements; ++i) out.elements.push_back(copy_reply(*r.element[i]));
  return out;
}

}  // namespace

redis_client::redis_client(net::io_context& ioc, settings s)
    : ioc_(ioc),
      settings_(std::move(s)),
      resolver_(ioc),
      retry_timer_(ioc),
      watchdog_(ioc),
      backoff_(settings_.retry_min) {}

redis_client::~redis_client() {
  stopped_ = true;
  if (connection_ && connection_->alive) redisAsyncFree(connection_->ac);
}

void redis_client::start(std::function<void()> on_ready) {
  on_ready_ = std::move(on_ready);
  stopped_ = false;
  connect();
  arm_watchdog();
}

void redis_client::stop() {
  stopped_ = true;
  ready_ = false;
  retry_timer_.cancel();
  watchdog_.cancel();
  resolver_.cancel();
  if (connection_ && connection_->alive) {
    connection_->reported = true;
    redisAsyncFree(connection_->ac);
  }
  connection_.reset();
}

void redis_client::connect() {
  if (stopped_) return;
  // hiredis resolves names with a blocking getaddrinfo: resolve here instead.
  resolver_.async_resolve(
      settings_.url.host, std::to_string(settings_.url.port),
      [self = weak_from_this()](boost::system::error_code ec,
                                net::ip::tcp::resolver::results_type results) {
        auto client = self.lock();
        if (!client || client->stopped_) return;
        if (ec || results.empty()) return client->lost("cannot resolve the host");
        client->on_resolved(results.begin()->endpoint());
      });
}

void redis_client::on_resolved(const net::ip::tcp::endpoint& endpoint) {
  auto* ac = redisAsyncConnect(endpoint.address().to_string().c_str(), endpoint.port());
  if (ac == nullptr) return lost("out of memory");
  if (ac->err != 0) {
    const std::string why = ac->errstr;
    redisAsyncFree(ac);
    return lost(why);
  }
  auto c = std::make_shared<redis_connection>(ioc_, this);
  c->ac = ac;
  c->keep_alive = c;
  c->socket.assign(ac->c.fd);
  ac->data = c.get();
  ac->ev.data = c.get();
  ac->ev.addRead = &redis_connection::add_read;
  ac->ev.delRead = &redis_connection::del_read;
  ac->ev.addWrite = &redis_connection::add_write;
  ac->ev.delWrite = &redis_connection::del_write;
  ac->ev.cleanup = &redis_connection::cleanup;
  redisAsyncSetConnectCallback(ac, [](const redisAsyncContext* context, int status) {
    if (status == REDIS_OK) return;
    auto& conn = redis_connection::of(context->data);
    if (!conn.reported) {
      conn.reported = true;
      conn.owner->lost(context->errstr);
    }
  });
  redisAsyncSetDisconnectCallback(ac, [](const redisAsyncContext* context, int) {
    auto& conn = redis_connection::of(context->data);
    if (!conn.reported) {
      conn.reported = true;
      conn.owner->lost(context->err != 0 ? context->errstr : "closed");
    }
  });
  connection_ = c;

  // Queued now, sent once the TCP connection is up; the PING's answer says
  // everything before it worked.
  auto send = [this, &c](std::vector<std::string> args, handler done) {
    std::vector<const char*> argv;
    std::vector<std::size_t> lengths;
    for (const auto& a : args) argv.push_back(a.data()), lengths.push_back(a.size());
    auto* pending = new pending_command{c, std::move(done)};
    c->deadlines.push_back(std::chrono::steady_clock::now() + settings_.command_timeout);
    redisAsyncCommandArgv(c->ac, &on_reply, pending, static_cast<int>(argv.size()),
                          argv.data(), lengths.data());
  };
  auto refused = [self = weak_from_this(), c](const char* what) {
    return [self, c, what](const redis_reply* r) {
      auto client = self.lock();
      if (!client || r == nullptr || !r->is_error() || !c->alive) return;
      // The reply text says why (wrong password, no such database); never the password.
      spdlog::error("{}: {} refused: {}", client->settings_.name, what, r->text);
      c->reported = true;
      redisAsyncFree(c->ac);
      client->lost("refused");
    };
  };
  if (!settings_.url.password.empty()) send({"AUTH", settings_.url.password}, refused("AUTH"));
  if (settings_.url.db != 0) send({"SELECT", std::to_string(settings_.url.db)}, refused("SELECT"));
  send({"PING"}, [self = weak_from_this(), c](const redis_reply* r) {
    auto client = self.lock();
    if (!client || r == nullptr || r->is_error() || client->connection_ != c) return;
    client->ready_ = true;
    client->warned_down_ = false;
    client->backoff_ = client->settings_.retry_min;
    spdlog::info("{}: connected to {}", client->settings_.name, client->settings_.url.redacted());
    if (client->on_ready_) client->on_ready_();
  });
}

void redis_client::lost(const std::string& why) {
  const bool was_ready = ready_;
  ready_ = false;
  connection_.reset();
  if (stopped_) return;
  if (was_ready || !warned_down_) {
    spdlog::warn("{}: {} unreachable ({}); retrying with backoff", settings_.name,
                 settings_.url.redacted(), why);
    warned_down_ = true;
  }
  schedule_retry();
}

void redis_client::schedule_retry() {
  retry_timer_.expires_after(backoff_);
  backoff_ = std::min(backoff_ * 2, settings_.retry_max);
  retry_timer_.async_wait([self = weak_from_this()](boost::system::error_code ec) {
    auto client = self.lock();
    if (!ec && client && !client->stopped_ && !client->connection_) client->connect();
  });
}

void redis_client::arm_watchdog() {
  watchdog_.expires_after(std::max(settings_.command_timeout / 4, std::chrono::milliseconds(10)));
  watchdog_.async_wait([self = weak_from_this()](boost::system::error_code ec) {
    auto client = self.lock();
    if (ec || !client || client->stopped_) return;
    auto& c = client->connection_;
    int unread = 0;
    if (c && c->alive && !c->deadlines.empty() &&
        c->deadlines.front() < std::chrono::steady_clock::now() &&
        (::ioctl(c->socket.native_handle(), FIONREAD, &unread) != 0 || unread == 0)) {
      // Nothing to read either (a busy loop would have answers waiting):
      // A Redis that stopped answering: every waiting command fails now.
      c->reported = true;
      redisAsyncFree(c->ac);
      client->lost("a command timed out");
    }
    client->arm_watchdog();
  });
}

void redis_client::fail_later(handler done) {
  net::post(ioc_, [done = std::move(done)] { done(nullptr); });
}

void redis_client::command(const std::vector<std::string>& args, handler done,
                           std::chrono::milliseconds extra_timeout) {
  if (!ready_ || !connection_ || !connection_->alive ||
      connection_->deadlines.size() >= settings_.max_pending) {
    return fail_later(std::move(done));
  }
  std::vector<const char*> argv;
  std::vector<std::size_t> lengths;
  argv.reserve(args.size());
  lengths.reserve(args.size());
  for (const auto& a : args) argv.push_back(a.data()), lengths.push_back(a.size());
  auto* pending = new pending_command{connection_, std::move(done)};
  connection_->deadlines.push_back(std::chrono::steady_clock::now() + settings_.command_timeout +
                                   extra_timeout);
  if (redisAsyncCommandArgv(connection_->ac, &on_reply, pending,
                            static_cast<int>(argv.size()), argv.data(), lengths.data()) != REDIS_OK) {
    connection_->deadlines.pop_back();
    auto failed = std::move(pending->done);
    delete pending;
    fail_later(std::move(failed));
  }
}

namespace {

void on_reply(redisAsyncContext*, void* reply, void* privdata) {
  std::unique_ptr<pending_command> pending(static_cast<pending_command*>(privdata));
  auto& c = *pending->via;
  if (!c.deadlines.empty()) c.deadlines.pop_front();
  if (!pending->done) return;
  // Never the handler from inside hiredis: it may issue commands or stop us.
  auto& ioc = static_cast<net::io_context&>(c.socket.get_executor().context());
  if (reply == nullptr) {
    net::post(ioc, [done = std::move(pending->done)] { done(nullptr); });
  } else {
    net::post(ioc, [done = std::move(pending->done),
                    owned = copy_reply(*static_cast<redisReply*>(reply))] { done(&owned); });
  }
}

}  // namespace

}  // namespace parley
