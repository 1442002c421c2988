#include "wire_log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

namespace parley::testing {
namespace {

std::mutex mutex;

void write_line(const nlohmann::json& line) {
  // ctest runs test processes in parallel on one file: each line goes out
  // in ONE write() on an O_APPEND descriptor, so lines never interleave
  // (a buffered stream splits long lines into several writes).
  static const int fd = [] {
    const char* path = std::getenv("PARLEY_WIRE_LOG");
    if (path == nullptr || *path == '\0') return -1;
    return ::open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  }();
  if (fd < 0) return;
  const std::string text = line.dump() + '\n';
  // A regular file takes the whole line unless the disk is full.
  [[maybe_unused]] const auto written = ::write(fd, text.data(), text.size());
}

/// The message as JSON, or as a string when it is not JSON (the validator
/// then reports it).
nlohmann::json as_json(std::string_view text) {
  auto parsed = nlohmann::json::parse(text, nullptr, false);
  return parsed.is_discarded() ? nlohmann::json(std::string(text)) : parsed;
}

}  // namespace

void log_websocket_frame(std::string_view frame) {
  std::lock_guard lock(mutex);
  write_line({{"transport", "websocket"}, {"message", as_json(frame)}});
}

void log_rest_answer(std::string_view method, std::string_view target, unsigned status,
                     std::string_view content_type, std::string_view body) {
  // Only the API's JSON answers: the metrics are Prometheus text.
  if (content_type.find("application/json") == std::string_view::npos || body.empty()) return;
  std::lock_guard lock(mutex);
  write_line({{"transport", "rest"},
              {"method", method},
              {"path", target.substr(0, target.find('?'))},
              {"status", status},
              {"body", as_json(body)}});
}

}  // namespace parley::testing
