#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "parley/app/service_state.hpp"

namespace parley {

/// A snapshot as text (JSON) for Redis, and back. Only instances of the same
/// version read each other's: the format carries a version, and any other
/// is refused. Token keys and address keys are keyed hashes already.
std::string encode_state(const service_state& state);
std::optional<service_state> decode_state(std::string_view text);

}  // namespace parley
