#include "test_client.hpp"
#include "wire_log.hpp"

#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <cctype>
#include <future>
#include <stdexcept>

namespace parley::testing {
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

void set_socket_timeouts(tcp::socket& socket, std::chrono::milliseconds timeout) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
  ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

tcp::endpoint loopback(std::uint16_t port) {
  return {net::ip::make_address("127.0.0.1"), port};
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

http_result http_request(std::uint16_t port, const std::string& method, const std::string& target,
                         const std::string& body,
                         const std::map<std::string, std::string>& headers,
                         std::chrono::milliseconds timeout) {
  net::io_context ioc;
  tcp::socket socket(ioc);
  socket.connect(loopback(port));
  set_socket_timeouts(socket, timeout);

  http::request<http::string_body> req{http::string_to_verb(method), target, 11};
  req.set(http::field::host, "127.0.0.1:" + std::to_string(port));
  for (const auto& [name, value] : headers) req.set(name, value);
  if (!body.empty() || req.method() == http::verb::post) {
    req.body() = body;
    req.prepare_payload();
  }
  http::write(socket, req);

  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  if (req.method() == http::verb::head) parser.skip(true);
  http::read(socket, buffer, parser);
  const auto& res = parser.get();

  http_result out;
  out.status = res.result_int();
  for (const auto& field : res) {
    out.headers[lower(std::string(field.name_string()))] = std::string(field.value());
  }
  out.body = res.body();
  log_rest_answer(method, target, out.status, out.header("content-type"), out.body);
  beast::error_code ec;
  socket.shutdown(tcp::socket::shutdown_both, ec);
  return out;
}

http_result post(std::uint16_t port, const std::string& target, const json& body,
                 const std::string& token, std::chrono::milliseconds timeout) {
  std::map<std::string, std::string> headers{{"Content-Type", "application/json"}};
  if (!token.empty()) headers["Authorization"] = "Bearer " + token;
  return http_request(port, "POST", target, body.dump(), headers, timeout);
}

std::string raw_exchange(std::uint16_t port, const std::string& bytes,
                         std::chrono::milliseconds timeout) {
  net::io_context ioc;
  tcp::socket socket(ioc);
  socket.connect(loopback(port));
  set_socket_timeouts(socket, timeout);
  net::write(socket, net::buffer(bytes));
  std::string out;
  char chunk[4096];
  for (;;) {
    beast::error_code ec;
    const auto n = socket.read_some(net::buffer(chunk), ec);
    if (ec) break;
    out.append(chunk, n);
  }
  return out;
}

client_io::client_io() : work_(net::make_work_guard(ioc_)), thread_([this] { ioc_.run(); }) {}

client_io::~client_io() {
  work_.reset();
  ioc_.stop();
  thread_.join();
}

struct ws_client::impl : std::enable_shared_from_this<impl> {
  explicit impl(net::io_context& ioc) : ws(ioc) {}

  void read_loop() {
    ws.async_read(buffer, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      std::lock_guard lock(self->mutex);
      if (ec) {
        self->closed = true;
        self->close_code = ec == websocket::error::closed ? self->ws.reason().code : 0;
        self->cv.notify_all();
        return;
      }
      self->frames.push_back(beast::buffers_to_string(self->buffer.data()));
      log_websocket_frame(self->frames.back());
      self->buffer.consume(self->buffer.size());
      self->cv.notify_all();
      if (!self->paused) {
        // Re-arm outside the lock's scope is not needed: the handler runs
        // on the I/O thread, and the lock only guards the shared fields.
        net::post(self->ws.get_executor(), [self] { self->read_loop(); });
      }
    });
  }

  /// Runs `op` on the I/O thread and waits for it.
  template <class Op>
  void on_io(Op op) {
    std::promise<void> done;
    net::post(ws.get_executor(), [&] {
      op([&] { done.set_value(); });
    });
    if (done.get_future().wait_for(10s) != std::future_status::ready) {
      throw std::runtime_error("websocket operation timed out");
    }
  }

  websocket::stream<beast::tcp_stream> ws;
  beast::flat_buffer buffer;
  std::mutex mutex;
  std::condition_variable cv;
  std::deque<std::string> frames;
  bool closed = false;
  unsigned close_code = 0;
  bool paused = false;
};

ws_client::ws_client(client_io& io, std::uint16_t port, const options& opts)
    : impl_(std::make_shared<impl>(io.context())) {
  auto& ws = impl_->ws;
  beast::get_lowest_layer(ws).socket().connect(loopback(port));
  set_socket_timeouts(beast::get_lowest_layer(ws).socket(), 10s);
  if (!opts.origin.empty()) {
    ws.set_option(websocket::stream_base::decorator(
        [origin = opts.origin](websocket::request_type& req) { req.set(http::field::origin, origin); }));
  }
  ws.handshake("127.0.0.1:" + std::to_string(port), opts.target);
  // From here on, all I/O happens on the shared thread.
  auto self = impl_;
  net::post(ws.get_executor(), [self] { self->read_loop(); });
}

ws_client::~ws_client() {
  auto self = impl_;
  net::post(self->ws.get_executor(), [self] {
    beast::error_code ec;
    beast::get_lowest_layer(self->ws).socket().close(ec);
  });
}

void ws_client::send_text(const std::string& text) {
  auto data = std::make_shared<std::string>(text);
  impl_->on_io([this, data](auto finish) {
    impl_->ws.text(true);
    impl_->ws.async_write(net::buffer(*data), [finish, data](beast::error_code, std::size_t) { finish(); });
  });
}

void ws_client::send(const json& message) { send_text(message.dump()); }

void ws_client::send_binary(const std::string& bytes) {
  auto data = std::make_shared<std::string>(bytes);
  impl_->on_io([this, data](auto finish) {
    impl_->ws.binary(true);
    impl_->ws.async_write(net::buffer(*data), [finish, data](beast::error_code, std::size_t) { finish(); });
  });
}

std::optional<json> ws_client::try_receive(std::chrono::milliseconds timeout) {
  std::unique_lock lock(impl_->mutex);
  if (!impl_->cv.wait_for(lock, timeout, [&] { return !impl_->frames.empty() || impl_->closed; })) {
    return std::nullopt;
  }
  if (impl_->frames.empty()) return std::nullopt;
  auto text = std::move(impl_->frames.front());
  impl_->frames.pop_front();
  return json::parse(text);
}

json ws_client::receive(std::chrono::milliseconds timeout) {
  auto frame = try_receive(timeout);
  if (!frame) throw std::runtime_error("no WebSocket frame arrived in time");
  return *frame;
}

json ws_client::receive_type(const std::string& type, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) throw std::runtime_error("no '" + type + "' frame arrived in time");
    auto frame = try_receive(left);
    if (frame && (*frame)["type"] == type) return *frame;
  }
}

void ws_client::close() {
  impl_->on_io([this](auto finish) {
    impl_->ws.async_close(websocket::close_code::normal, [finish](beast::error_code) { finish(); });
  });
}

void ws_client::drop() {
  impl_->on_io([this](auto finish) {
    beast::error_code ec;
    beast::get_lowest_layer(impl_->ws).socket().shutdown(tcp::socket::shutdown_both, ec);
    beast::get_lowest_layer(impl_->ws).socket().close(ec);
    finish();
  });
}

void ws_client::pause_reading() {
  std::lock_guard lock(impl_->mutex);
  impl_->paused = true;
}

std::optional<unsigned> ws_client::wait_closed(std::chrono::milliseconds timeout) {
  std::unique_lock lock(impl_->mutex);
  if (!impl_->cv.wait_for(lock, timeout, [&] { return impl_->closed; })) return std::nullopt;
  return impl_->close_code;
}

std::string token_of(const json& hello) { return hello.at("token").get<std::string>(); }

}  // namespace parley::testing
