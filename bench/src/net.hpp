#ifndef PARLEY_BENCH_NET_HPP
#define PARLEY_BENCH_NET_HPP

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/error.hpp>

namespace parley::bench {

// The short names used by every Beast example.
namespace net = boost::asio;
using tcp = net::ip::tcp;
using error_code = boost::beast::error_code;

}  // namespace parley::bench

#endif
