#include "static_files.hpp"

#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/file_body.hpp>
#include <boost/beast/core/string.hpp>
#include <cstdio>
#include <system_error>
#include <vector>

#include "parley/text/hex.hpp"

namespace parley {
namespace fs = std::filesystem;

std::optional<std::string> percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      const int hi = hex_digit_value(text[i + 1]);
      const int lo = hex_digit_value(text[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      c = static_cast<char>(hi * 16 + lo);
      i += 2;
    }
    if (c == '\0') return std::nullopt;
    out.push_back(c);
  }
  return out;
}

static_files::static_files(const fs::path& root) {
  std::error_code ec;
  auto canonical = fs::canonical(root, ec);
  if (!ec && fs::is_directory(canonical, ec)) root_ = std::move(canonical);
}

std::variant<fs::path, error_code> static_files::resolve(std::string_view target) const {
  if (!available()) return error_code::not_found;
  const auto path_end = target.find_first_of("?#");
  const auto raw_path = target.substr(0, path_end);
  if (raw_path.empty() || raw_path.front() != '/') return error_code::bad_request;
  const auto decoded = percent_decode(raw_path);
  if (!decoded || decoded->find('\\') != std::string::npos) return error_code::bad_request;

  // Walk the segments lexically: `..` may never climb above the root.
  std::vector<std::string_view> segments;
  std::string_view rest = *decoded;
  while (!rest.empty()) {
    const auto slash = rest.find('/');
    const auto segment = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
    if (segment.empty() || segment == ".") continue;
    if (segment == "..") {
      if (segments.empty()) return error_code::not_found;
      segments.pop_back();
      continue;
    }
    // Dot files (.env, .git) are never part of the client.
    if (segment.front() == '.') return error_code::not_found;
    segments.push_back(segment);
  }

  fs::path file = root_;
  for (const auto segment : segments) file /= fs::path(std::string(segment));
  std::error_code ec;
  if (fs::is_directory(file, ec)) file /= "index.html";

  // Symlinks may point anywhere: the real file must still be under the root.
  const auto real = fs::canonical(file, ec);
  if (ec) return error_code::not_found;
  const auto relative = real.lexically_relative(root_);
  if (relative.empty() || *relative.begin() == "..") return error_code::not_found;
  if (!fs::is_regular_file(real, ec)) return error_code::not_found;
  return real;
}

std::string_view static_files::mime_type(std::string_view path) noexcept {
  struct entry {
    std::string_view ext;
    std::string_view type;
  };
  static constexpr entry types[] = {
      {".html", "text/html; charset=utf-8"},
      {".htm", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".webmanifest", "application/manifest+json"},
      {".txt", "text/plain; charset=utf-8"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".jpeg", "image/jpeg"},
      {".gif", "image/gif"},
      {".webp", "image/webp"},
      {".ico", "image/x-icon"},
      {".woff", "font/woff"},
      {".woff2", "font/woff2"},
      {".wasm", "application/wasm"},
      {".mp3", "audio/mpeg"},
      {".ogg", "audio/ogg"},
      {".webm", "video/webm"},
      {".mp4", "video/mp4"},
  };
  for (const auto& [ext, type] : types) {
    if (path.size() >= ext.size() &&
        boost::beast::iequals(path.substr(path.size() - ext.size()), ext)) {
      return type;
    }
  }
  return "application/octet-stream";
}

std::optional<http_reply> static_files::serve_file(const http_request& req,
                                                                const fs::path& file) const {
  std::error_code ec;
  const auto size = fs::file_size(file, ec);
  if (ec) return std::nullopt;
  const auto mtime = fs::last_write_time(file, ec);
  if (ec) return std::nullopt;
  const auto stamp = static_cast<unsigned long long>(mtime.time_since_epoch().count());
  char etag[64];
  std::snprintf(etag, sizeof etag, "\"%llx-%llx\"", static_cast<unsigned long long>(size), stamp);

  const auto name = file.string();
  // Vite puts content-hashed bundles under /assets/: they never change.
  const bool immutable = name.find("/assets/") != std::string::npos;
  auto set_common = [&](http::fields& fields) {
    add_security_headers(fields);
    fields.set(http::field::etag, etag);
    fields.set(http::field::cache_control,
               immutable ? "public, max-age=31536000, immutable" : "no-cache");
    // The page at `/` (and the fallback) depends on Accept: HTML or JSON.
    if (name.size() >= 11 && name.compare(name.size() - 11, 11, "/index.html") == 0) {
      fields.set(http::field::vary, "Accept");
    }
  };

  const auto if_none_match = req[http::field::if_none_match];
  if (!if_none_match.empty() &&
      (if_none_match == "*" || if_none_match.find(etag) != std::string_view::npos)) {
    http::response<http::empty_body> res{http::status::not_modified, req.version()};
    set_common(res.base());
    res.keep_alive(req.keep_alive());
    return http_reply{std::move(res)};
  }

  if (req.method() == http::verb::head) {
    http::response<http::empty_body> res{http::status::ok, req.version()};
    set_common(res.base());
    res.set(http::field::content_type, mime_type(name));
    res.content_length(size);
    res.keep_alive(req.keep_alive());
    return http_reply{std::move(res)};
  }

  boost::beast::error_code bec;
  http::file_body::value_type body;
  body.open(name.c_str(), boost::beast::file_mode::scan, bec);
  if (bec) return std::nullopt;
  http::response<http::file_body> res{std::piecewise_construct, std::make_tuple(std::move(body)),
                                      std::make_tuple(http::status::ok, req.version())};
  set_common(res.base());
  res.set(http::field::content_type, mime_type(name));
  res.content_length(size);
  res.keep_alive(req.keep_alive());
  return http_reply{std::move(res)};
}

http_reply static_files::serve(const http_request& req) const {
  const auto resolved = resolve(req.target());
  if (const auto* file = std::get_if<fs::path>(&resolved)) {
    if (auto res = serve_file(req, *file)) return std::move(*res);
    return error_response(req, error_code::not_found, "no such file");
  }
  const auto code = std::get<error_code>(resolved);
  // A browser asking for an unknown page gets the single-page client, which
  // routes on the client side.
  if (code == error_code::not_found && accepts_html(req) && available()) {
    if (auto res = serve_file(req, root_ / "index.html")) return std::move(*res);
  }
  return error_response(req, code, code == error_code::bad_request ? "malformed path" : "no such file");
}

}  // namespace parley
