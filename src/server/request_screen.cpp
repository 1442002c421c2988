#include "request_screen.hpp"

#include <boost/beast/core/string.hpp>

namespace parley {

std::size_t request_screen::header_end(std::string_view bytes) noexcept {
  // Bare LF line ends are refused by the parser later, but must end the wait.
  const auto crlf = bytes.find("\r\n\r\n");
  const auto lf = bytes.find("\n\n");
  if (crlf == std::string_view::npos && lf == std::string_view::npos) return std::string_view::npos;
  if (crlf != std::string_view::npos && (lf == std::string_view::npos || crlf + 2 <= lf)) {
    return crlf + 4;
  }
  return lf + 2;
}

std::optional<std::string_view> request_screen::check_raw(std::string_view header) noexcept {
  // The header ends at its first empty line: any LF followed by SP or HTAB
  // before that is a folded line (or whitespace before the first field).
  for (auto pos = header.find('\n'); pos != std::string_view::npos && pos + 1 < header.size();
       pos = header.find('\n', pos + 1)) {
    if (header[pos + 1] == ' ' || header[pos + 1] == '\t') {
      return "obsolete line folding is not accepted";
    }
  }
  return std::nullopt;
}

std::optional<std::string_view> request_screen::check_fields(const http_request& req) noexcept {
  const auto lengths = req.count(http::field::content_length);
  const auto encodings = req.count(http::field::transfer_encoding);
  if (lengths > 0 && encodings > 0) {
    return "Content-Length and Transfer-Encoding together are not accepted";
  }
  if (lengths > 1) {
    const auto [first, last] = req.equal_range(http::field::content_length);
    for (auto it = first; it != last; ++it) {
      if (it->value() != first->value()) return "Content-Length fields differ";
    }
  }
  if (encodings > 1) return "more than one Transfer-Encoding field";
  if (encodings == 1 &&
      !boost::beast::iequals(req[http::field::transfer_encoding], std::string_view("chunked"))) {
    return "the only Transfer-Encoding accepted is chunked";
  }
  const auto hosts = req.count(http::field::host);
  if (hosts > 1) return "more than one Host field";
  if (hosts == 0 && req.version() >= 11) return "an HTTP/1.1 request needs a Host field";
  return std::nullopt;
}

}  // namespace parley
