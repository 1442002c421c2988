#pragma once

// Every message the server sends in the integration tests, written as JSON
// lines to the file named by PARLEY_WIRE_LOG (nothing when it is unset).
// tests/protocol then validates each against docs/protocol.schema.json.

#include <string>
#include <string_view>

namespace parley::testing {

/// A WebSocket text frame the server sent.
void log_websocket_frame(std::string_view frame);
/// A REST answer: method, path (no query), status and JSON body.
void log_rest_answer(std::string_view method, std::string_view target, unsigned status,
                     std::string_view content_type, std::string_view body);

}  // namespace parley::testing
