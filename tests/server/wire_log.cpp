#include "wire_log.hpp"

#include <cstdlib>
#include <fstream>
#include <mutex>
#include <optional>

#include <nlohmann/json.hpp>

namespace parley::testing {
namespace {

std::mutex mutex;

void write_line(const nlohmann::json& line) {
  static std::optional<std::ofstream> out = []() -> std::optional<std::ofstream> {
    const char* path = std::getenv("PARLEY_WIRE_LOG");
    if (path == nullptr || *path == '\0') return std::nullopt;
    return std::ofstream(path, std::ios::app);
  }();
  if (!out) return;
  *out << line.dump() << '\n';
  out->flush();
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
