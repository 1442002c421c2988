#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "json_document.hpp"

namespace parley {

/// One member of a JSON object: its key as written (without quotes; keys with
/// escapes are returned raw) and the exact text of its value.
struct json_member {
  std::string_view key;
  std::string_view value;
};

/** Validates a JSON document that must be an object, and returns its members
    as views into `text`, without building a tree or copying anything.

    This is the fast path for relayed signals: the `data` value is forwarded
    byte for byte, so it is never parsed into objects and serialised again.
    Strict RFC 8259 (UTF-8 checked, lone surrogate escapes refused); nullopt
    for anything invalid, or nested deeper than `max_depth`, so that callers
    can fall back to the full parser and its error messages.
*/
std::optional<std::vector<json_member>> scan_json_object(std::string_view text,
                                                         int max_depth = max_json_depth);

}  // namespace parley
