// Request-smuggling shapes and oversized headers over real sockets (issue 11).

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "test_client.hpp"
#include "test_server.hpp"

namespace parley::testing {
namespace {

/// The status line of the first answer to `bytes`.
std::string status_line(std::uint16_t port, const std::string& bytes) {
  const auto answer = raw_exchange(port, bytes, 3s);
  return answer.substr(0, answer.find("\r\n"));
}

TEST(HttpHygiene, SmugglingShapesAre400AndTheConnectionCloses) {
  test_server server;
  const std::vector<std::pair<std::string, std::string>> shapes = {
      {"Content-Length and Transfer-Encoding",
       "POST /start HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
       "0\r\n\r\n"},
      {"two different Content-Lengths",
       "POST /start HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}"},
      {"xchunked",
       "POST /start HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n"},
      {"chunked, identity",
       "POST /start HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n"},
      {"identity, chunked",
       "POST /start HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: identity, chunked\r\n\r\n0\r\n\r\n"},
      {"two Transfer-Encodings",
       "POST /start HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: "
       "chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"},
      {"obsolete line folding (space)", "GET /health HTTP/1.1\r\nHost: a\r\nX-A: b\r\n c\r\n\r\n"},
      {"obsolete line folding (tab)", "GET /health HTTP/1.1\r\nHost: a\r\nX-A: b\r\n\tc\r\n\r\n"},
      {"folded Transfer-Encoding",
       "POST /start HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\r\n chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"},
      {"two Host fields", "GET /health HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"},
      {"HTTP/1.1 without Host", "GET /health HTTP/1.1\r\n\r\n"},
  };
  for (const auto& [name, bytes] : shapes) {
    // Followed by a second request: a smuggled one must never be answered.
    const auto answer = raw_exchange(server.port(), bytes + "GET /health HTTP/1.1\r\nHost: a\r\n\r\n", 3s);
    EXPECT_EQ(answer.substr(0, answer.find("\r\n")), "HTTP/1.1 400 Bad Request") << name;
    EXPECT_NE(answer.find("\"bad_request\""), std::string::npos) << name;
    EXPECT_EQ(answer.find("HTTP/1.1 200"), std::string::npos) << name << ": answered twice";
  }
}

TEST(HttpHygiene, ProperRequestsStillPass) {
  test_server server;
  EXPECT_EQ(status_line(server.port(),
                        "POST /start HTTP/1.1\r\nHost: a\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n"
                        "2\r\n{}\r\n0\r\n\r\n"),
            "HTTP/1.1 200 OK");
  EXPECT_EQ(status_line(server.port(),
                        "POST /start HTTP/1.1\r\nHost: a\r\nConnection: close\r\nTransfer-Encoding: Chunked\r\n\r\n"
                        "2\r\n{}\r\n0\r\n\r\n"),
            "HTTP/1.1 200 OK");
  EXPECT_EQ(status_line(server.port(),
                        "POST /start HTTP/1.1\r\nHost: a\r\nConnection: close\r\nContent-Length: 2\r\nContent-Length: "
                        "2\r\n\r\n{}"),
            "HTTP/1.1 200 OK")
      << "equal Content-Lengths are one length (RFC 9110 8.6)";
  EXPECT_EQ(status_line(server.port(), "GET /health HTTP/1.0\r\n\r\n"), "HTTP/1.0 200 OK");
  EXPECT_EQ(status_line(server.port(), "GET /health HTTP/1.1\r\nHost: a\r\nConnection: close\r\nX-A: b c\r\n\r\n"),
            "HTTP/1.1 200 OK");
}

TEST(HttpHygiene, HeadersOver8KiBAre431) {
  test_server server;
  // 9 KiB in one field, and in many small ones, and a header that never ends.
  EXPECT_EQ(status_line(server.port(), "GET /health HTTP/1.1\r\nHost: a\r\nX-A: " +
                                           std::string(9 * 1024, 'a') + "\r\n\r\n"),
            "HTTP/1.1 431 Request Header Fields Too Large");
  std::string many = "GET /health HTTP/1.1\r\nHost: a\r\n";
  for (int i = 0; i < 300; ++i) many += "X-F" + std::to_string(i) + ": 0123456789012345678901\r\n";
  EXPECT_EQ(status_line(server.port(), many + "\r\n"),
            "HTTP/1.1 431 Request Header Fields Too Large");
  EXPECT_EQ(status_line(server.port(), "GET /health HTTP/1.1\r\nHost: a\r\nX-A: " +
                                           std::string(9 * 1024, 'a')),
            "HTTP/1.1 431 Request Header Fields Too Large");
  // Just under the limit passes.
  EXPECT_EQ(status_line(server.port(), "GET /health HTTP/1.1\r\nHost: a\r\nConnection: close\r\nX-A: " +
                                           std::string(7 * 1024, 'a') + "\r\n\r\n"),
            "HTTP/1.1 200 OK");
}

TEST(HttpHygiene, PipelinedRequestsAreStillAnsweredInOrder) {
  test_server server;
  const auto answer = raw_exchange(server.port(),
                                   "GET /health HTTP/1.1\r\nHost: a\r\n\r\n"
                                   "GET /config HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
  const auto first = answer.find("HTTP/1.1 200");
  ASSERT_NE(first, std::string::npos);
  EXPECT_NE(answer.find("HTTP/1.1 200", first + 1), std::string::npos) << answer;
}

}  // namespace
}  // namespace parley::testing
