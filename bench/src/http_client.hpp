#ifndef PARLEY_BENCH_HTTP_CLIENT_HPP
#define PARLEY_BENCH_HTTP_CLIENT_HPP

#include "client_fleet.hpp"
#include "net.hpp"

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/verb.hpp>

#include <functional>
#include <string>

namespace parley::bench {

/// One keep-alive HTTP/1.1 connection issuing one request at a time, like a
/// browser tab polling the REST API. Reconnects when the server closes.
/// All calls on the generator's single I/O thread; the owner outlives it.
class http_client {
public:
    using response_handler = std::function<void(error_code ec, unsigned status, std::string const& body)>;

    http_client(net::io_context& ioc, server_address address);
    http_client(http_client const&) = delete;
    http_client& operator=(http_client const&) = delete;

    /// POSTs `body` (JSON) to `target`, with a Bearer token when not empty.
    void post(std::string const& target, std::string body, std::string const& token, response_handler handler);

    void close();

private:
    void do_write();
    void on_write(error_code ec, std::size_t bytes);
    void on_read(error_code ec, std::size_t bytes);
    void complete(error_code ec, unsigned status, std::string body);

    tcp::socket socket_;
    server_address address_;
    boost::beast::flat_buffer buffer_;
    boost::beast::http::request<boost::beast::http::string_body> request_;
    boost::beast::http::response<boost::beast::http::string_body> response_;
    response_handler handler_;
};

}  // namespace parley::bench

#endif
