#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "parley/core/failure.hpp"
#include "http_types.hpp"

namespace parley {

/** Serves the built web client from one folder, and nothing outside it.

    A request target is stripped of its query, percent-decoded, walked
    segment by segment (a `..` may not climb above the root), and the file
    it names must still be inside the root once symlinks are resolved.
*/
class static_files {
public:
  explicit static_files(const std::filesystem::path& root);

  /// False when the folder does not exist: the server then serves the API only.
  bool available() const noexcept { return !root_.empty(); }
  const std::filesystem::path& root() const noexcept { return root_; }

  /// The file a request target names, or why there is none.
  std::variant<std::filesystem::path, error_code> resolve(std::string_view target) const;

  /// Answers a GET or HEAD: the file, 304 for a matching ETag, or the
  /// single-page fallback to index.html when the client accepts HTML.
  http_reply serve(const http_request& req) const;

  /// The MIME type for a file name, by extension.
  static std::string_view mime_type(std::string_view path) noexcept;

private:
  std::optional<http_reply> serve_file(const http_request& req,
                                                    const std::filesystem::path& file) const;

  std::filesystem::path root_;  ///< canonical; empty when unavailable
};

/// Percent-decodes a URL path; nullopt for bad escapes or an encoded NUL.
std::optional<std::string> percent_decode(std::string_view text);

}  // namespace parley
