#include "log_entry_codec.hpp"

#include <nlohmann/json.hpp>

#include <type_traits>

#include "parley/core/report_reason.hpp"

namespace parley {
namespace {

using json = nlohmann::json;

json encode_command(const client_command& command) {
  json out = std::visit(
      [](const auto& c) -> json {
        using kind = std::decay_t<decltype(c)>;
        if constexpr (std::is_same_v<kind, start_command>) {
          return {{"type", "start"}, {"chat_type", std::string(to_string(c.type))},
                  {"interests", c.interests}};
        } else if constexpr (std::is_same_v<kind, message_command>) {
          return {{"type", "message"}, {"text", c.text}};
        } else if constexpr (std::is_same_v<kind, typing_command>) {
          return {{"type", "typing"}, {"active", c.active}};
        } else if constexpr (std::is_same_v<kind, signal_command>) {
          return {{"type", "signal"}, {"data", c.data}};  // the client's text, verbatim
        } else if constexpr (std::is_same_v<kind, next_command>) {
          return {{"type", "next"}};
        } else if constexpr (std::is_same_v<kind, stop_command>) {
          return {{"type", "stop"}};
        } else if constexpr (std::is_same_v<kind, disconnect_command>) {
          return {{"type", "disconnect"}};
        } else if constexpr (std::is_same_v<kind, report_command>) {
          return {{"type", "report"}, {"reason", std::string(to_string(c.reason))},
                  {"comment", c.comment}};
        } else if constexpr (std::is_same_v<kind, block_command>) {
          return {{"type", "block"}};
        } else {
          // resume, receive and turn_credentials are answered where they
          // arrive and never ordered.
          return {{"type", "none"}};
        }
      },
      command.body);
  if (command.chat_id) out["session_id"] = *command.chat_id;
  return out;
}

std::optional<client_command> decode_command(const json& in) {
  client_command out;
  const auto type = in.at("type").get<std::string>();
  if (type == "start") {
    start_command c;
    const auto chat = parse_chat_type(in.at("chat_type").get<std::string>());
    if (!chat) return std::nullopt;
    c.type = *chat;
    c.interests = in.at("interests").get<std::vector<std::string>>();
    out.body = std::move(c);
  } else if (type == "message") {
    out.body = message_command{in.at("text").get<std::string>()};
  } else if (type == "typing") {
    out.body = typing_command{in.at("active").get<bool>()};
  } else if (type == "signal") {
    out.body = signal_command{in.at("data").get<std::string>()};
  } else if (type == "next") {
    out.body = next_command{};
  } else if (type == "stop") {
    out.body = stop_command{};
  } else if (type == "disconnect") {
    out.body = disconnect_command{};
  } else if (type == "report") {
    report_command c;
    const auto reason = in.at("reason").get<std::string>();
    bool known = false;
    for (const auto r : all_report_reasons) {
      if (to_string(r) == reason) c.reason = r, known = true;
    }
    if (!known) return std::nullopt;
    c.comment = in.at("comment").get<std::string>();
    out.body = std::move(c);
  } else if (type == "block") {
    out.body = block_command{};
  } else {
    return std::nullopt;
  }
  if (in.contains("session_id")) out.chat_id = in.at("session_id").get<std::string>();
  return out;
}

std::string_view name_of(channel_end how) {
  switch (how) {
    case channel_end::closed: return "closed";
    case channel_end::dropped: return "dropped";
    case channel_end::broke_protocol: return "broke_protocol";
  }
  return "closed";
}

}  // namespace

std::string encode_entry(const log_entry& entry) {
  json out = {{"o", entry.origin}, {"r", entry.request}};
  std::visit(
      [&out](const auto& e) {
        using kind = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<kind, create_entry>) {
          out["k"] = "create";
          out["id"] = e.identity.id;
          out["u"] = e.identity.user_id;
          out["t"] = e.identity.token_key;  // the keyed hash: never the token
          out["a"] = e.identity.address_key;
          out["ws"] = e.websocket;
        } else if constexpr (std::is_same_v<kind, command_entry>) {
          out["k"] = "command";
          out["c"] = e.caller;
          out["x"] = encode_command(e.command);
        } else if constexpr (std::is_same_v<kind, resume_entry>) {
          out["k"] = "resume";
          out["c"] = e.caller;
          out["g"] = e.target;
          out["s"] = e.since;
        } else if constexpr (std::is_same_v<kind, close_entry>) {
          out["k"] = "close";
          out["c"] = e.who;
          out["h"] = name_of(e.how);
        } else if constexpr (std::is_same_v<kind, ban_entry>) {
          out["k"] = "ban";
          out["a"] = e.address_key;  // the keyed hash: never the address
          out["u"] = e.user_id;
          out["why"] = e.reason;
          out["s"] = e.duration_s;
        } else if constexpr (std::is_same_v<kind, lift_entry>) {
          out["k"] = "lift";
          out["id"] = e.id;
        } else if constexpr (std::is_same_v<kind, snapshot_entry>) {
          out["k"] = "snapshot";
          out["key"] = e.key;
        } else {
          out["k"] = "tick";
          out["d"] = e.delivered;
          out["t"] = e.touched;
        }
      },
      entry.body);
  return out.dump();
}

std::optional<log_entry> decode_entry(std::string_view text) {
  const auto in = json::parse(text, nullptr, false);
  if (!in.is_object()) return std::nullopt;
  try {
    log_entry entry;
    entry.origin = in.at("o").get<std::string>();
    entry.request = in.at("r").get<std::uint64_t>();
    const auto kind = in.at("k").get<std::string>();
    if (kind == "create") {
      create_entry e;
      e.identity.id = in.at("id").get<participant_id>();
      e.identity.user_id = in.at("u").get<std::string>();
      e.identity.token_key = in.at("t").get<std::string>();
      e.identity.address_key = in.at("a").get<std::string>();
      e.websocket = in.at("ws").get<bool>();
      entry.body = std::move(e);
    } else if (kind == "command") {
      auto command = decode_command(in.at("x"));
      if (!command) return std::nullopt;
      entry.body = command_entry{in.at("c").get<participant_id>(), std::move(*command)};
    } else if (kind == "resume") {
      entry.body = resume_entry{in.at("c").get<participant_id>(), in.at("g").get<participant_id>(),
                                in.at("s").get<std::uint64_t>()};
    } else if (kind == "close") {
      const auto how = in.at("h").get<std::string>();
      close_entry e{in.at("c").get<participant_id>(), channel_end::closed};
      if (how == "dropped") e.how = channel_end::dropped;
      if (how == "broke_protocol") e.how = channel_end::broke_protocol;
      entry.body = e;
    } else if (kind == "tick") {
      tick_entry e;
      e.delivered = in.at("d").get<std::vector<std::pair<participant_id, std::uint64_t>>>();
      e.touched = in.at("t").get<std::vector<participant_id>>();
      entry.body = std::move(e);
    } else if (kind == "ban") {
      entry.body = ban_entry{in.at("a").get<std::string>(), in.at("u").get<std::string>(),
                             in.at("why").get<std::string>(), in.at("s").get<std::int64_t>()};
    } else if (kind == "lift") {
      entry.body = lift_entry{in.at("id").get<std::string>()};
    } else if (kind == "snapshot") {
      entry.body = snapshot_entry{in.at("key").get<std::string>()};
    } else {
      return std::nullopt;
    }
    return entry;
  } catch (const json::exception&) {
    return std::nullopt;
  }
}

}  // namespace parley
