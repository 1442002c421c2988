#include "http_client.hpp"

#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

namespace parley::bench {

namespace http = boost::beast::http;

http_client::http_client(net::io_context& ioc, server_address address)
    : socket_(ioc), address_(std::move(address)) {}

void http_client::post(std::string const& target, std::string body, std::string const& token,
                       response_handler handler) {
    handler_ = std::move(handler);
    request_ = {};
    request_.method(http::verb::post);
    request_.target(target);
    request_.version(11);
    request_.set(http::field::host, address_.host);
    request_.set(http::field::content_type, "application/json");
    if (!token.empty()) request_.set(http::field::authorization, "Bearer " + token);
    request_.keep_alive(true);
    request_.body() = std::move(body);
    request_.prepare_payload();
    if (socket_.is_open()) return do_write();
    socket_.async_connect(address_.endpoint, [this](error_code ec) {
        if (ec) return complete(ec, 0, {});
        socket_.set_option(tcp::no_delay(true), ec);
        do_write();
    });
}

void http_client::do_write() {
    http::async_write(socket_, request_, [this](error_code ec, std::size_t bytes) { on_write(ec, bytes); });
}

void http_client::on_write(error_code ec, std::size_t) {
    if (ec) {
        close();
        return complete(ec, 0, {});
    }
    response_ = {};
    http::async_read(socket_, buffer_, response_, [this](error_code rec, std::size_t bytes) { on_read(rec, bytes); });
}

void http_client::on_read(error_code ec, std::size_t) {
    if (ec) {
        close();
        return complete(ec, 0, {});
    }
    // A response without keep-alive means the server closes after it.
    if (!response_.keep_alive()) close();
    complete(ec, response_.result_int(), std::move(response_.body()));
}

void http_client::complete(error_code ec, unsigned status, std::string body) {
    // The handler usually posts the next request, which replaces handler_:
    // move it out first so it is not destroyed while it runs.
    auto handler = std::move(handler_);
    handler(ec, status, body);
}

void http_client::close() {
    error_code ignored;
    socket_.close(ignored);
    buffer_.clear();
}

}  // namespace parley::bench
