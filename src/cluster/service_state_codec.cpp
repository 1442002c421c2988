#include "service_state_codec.hpp"

#include <nlohmann/json.hpp>

#include <type_traits>

namespace parley {
namespace {

using json = nlohmann::json;

/// Bumped whenever the layout below changes.
constexpr int format_version = 1;

std::int64_t ticks(steady_time t) { return t.time_since_epoch().count(); }
steady_time time_of(const json& j) { return steady_time(steady_time::duration(j.get<std::int64_t>())); }

template <typename Enum>
int number(Enum e) {
  return static_cast<int>(e);
}
template <typename Enum>
Enum enum_of(const json& j) {
  return static_cast<Enum>(j.get<int>());
}

json encode_event(const event& e) {
  json out = {{"q", e.seq}};
  std::visit(
      [&out](const auto& b) {
        using kind = std::decay_t<decltype(b)>;
        if constexpr (std::is_same_v<kind, matched_event>) {
          out["k"] = "m";
          out["c"] = b.chat_id;
          out["t"] = number(b.type);
          out["i"] = b.initiator;
          out["n"] = b.common_interests;
        } else if constexpr (std::is_same_v<kind, message_event>) {
          out["k"] = "x";
          out["x"] = b.text;
          out["at"] = b.sent_at_ms;
        } else if constexpr (std::is_same_v<kind, typing_event>) {
          out["k"] = "y";
          out["a"] = b.active;
        } else if constexpr (std::is_same_v<kind, signal_event>) {
          out["k"] = "s";
          out["d"] = b.data;
        } else {
          out["k"] = "l";
          out["r"] = number(b.reason);
        }
      },
      *e.body);
  return out;
}

event decode_event(const json& in) {
  event_body body;
  const auto kind = in.at("k").get<std::string>();
  if (kind == "m") {
    body = matched_event{in.at("c").get<std::string>(), enum_of<chat_type>(in.at("t")),
                         in.at("i").get<bool>(), in.at("n").get<std::vector<std::string>>()};
  } else if (kind == "x") {
    body = message_event{in.at("x").get<std::string>(), in.at("at").get<std::int64_t>()};
  } else if (kind == "y") {
    body = typing_event{in.at("a").get<bool>()};
  } else if (kind == "s") {
    body = signal_event{in.at("d").get<std::string>()};
  } else if (kind == "l") {
    body = partner_left_event{enum_of<leave_reason>(in.at("r"))};
  } else {
    throw json::other_error::create(501, "unknown event kind", nullptr);
  }
  return {in.at("q").get<std::uint64_t>(), std::make_shared<const event_body>(std::move(body))};
}

json encode_participant(const switchboard_state::saved_participant& s) {
  const auto& p = s.p;
  json events = json::array();
  for (const auto& e : s.events) events.push_back(encode_event(e));
  static const last_chat none{};
  const auto& last = p.last ? *p.last : none;
  json out = {{"id", p.id},
              {"u", p.user_id},
              {"tk", p.token_key},
              {"ak", p.address_key},
              {"t", number(p.type)},
              {"hs", p.has_started},
              {"in", p.interests},
              {"st", number(p.status)},
              {"qa", ticks(p.queued_at)},
              {"iw", p.interest_wait_over},
              {"pa", p.partner},
              {"c", p.chat_id},
              {"ini", p.initiator},
              {"lpu", last.partner_user_id},
              {"lpa", last.partner_address_key},
              {"lc", last.chat_id},
              {"le", ticks(last.ended)},
              {"ev", std::move(events)},
              {"ls", p.last_seq},
              {"ds", p.delivered_seq},
              {"at", p.attached},
              {"pp", p.pending_polls},
              {"seen", ticks(p.last_seen)}};
  if (p.resume_deadline) out["rd"] = ticks(*p.resume_deadline);
  return out;
}

switchboard_state::saved_participant decode_participant(const json& in) {
  switchboard_state::saved_participant s;
  auto& p = s.p;
  p.id = in.at("id").get<participant_id>();
  p.user_id = in.at("u").get<std::string>();
  p.token_key = in.at("tk").get<std::string>();
  p.address_key = in.at("ak").get<std::string>();
  p.type = enum_of<chat_type>(in.at("t"));
  p.has_started = in.at("hs").get<bool>();
  p.interests = in.at("in").get<std::vector<std::string>>();
  p.status = enum_of<participant_status>(in.at("st"));
  p.queued_at = time_of(in.at("qa"));
  p.interest_wait_over = in.at("iw").get<bool>();
  p.partner = in.at("pa").get<participant_id>();
  p.chat_id = in.at("c").get<std::string>();
  p.initiator = in.at("ini").get<bool>();
  last_chat last{in.at("lpu").get<std::string>(), in.at("lpa").get<std::string>(),
                 in.at("lc").get<std::string>(), time_of(in.at("le"))};
  // A participant whose first chat has not ended has no last chat.
  if (!last.partner_user_id.empty() || !last.chat_id.empty()) {
    p.last = std::make_shared<const last_chat>(std::move(last));
  }
  for (const auto& e : in.at("ev")) s.events.push_back(decode_event(e));
  p.last_seq = in.at("ls").get<std::uint64_t>();
  p.delivered_seq = in.at("ds").get<std::uint64_t>();
  p.attached = in.at("at").get<bool>();
  p.pending_polls = in.at("pp").get<unsigned>();
  p.last_seen = time_of(in.at("seen"));
  if (in.contains("rd")) p.resume_deadline = time_of(in.at("rd"));
  return s;
}

json encode_ban(const ban& b) {
  return {{"id", b.id},         {"ak", b.address_key},  {"u", b.user_id},
          {"r", b.reason},      {"s", number(b.source)}, {"c", b.created_ms},
          {"e", b.expires_ms},  {"un", ticks(b.until)}};
}

ban decode_ban(const json& in) {
  ban b;
  b.id = in.at("id").get<std::string>();
  b.address_key = in.at("ak").get<std::string>();
  b.user_id = in.at("u").get<std::string>();
  b.reason = in.at("r").get<std::string>();
  b.source = enum_of<ban_source>(in.at("s"));
  b.created_ms = in.at("c").get<std::int64_t>();
  b.expires_ms = in.at("e").get<std::int64_t>();
  b.until = time_of(in.at("un"));
  return b;
}

json encode_report(const report& r) {
  return {{"id", r.id},
          {"ms", r.at_ms},
          {"at", ticks(r.at)},
          {"r", number(r.reason)},
          {"c", r.comment},
          {"ru", r.reporter_user_id},
          {"rk", r.reporter_key},
          {"du", r.reported_user_id},
          {"da", r.reported_address_key},
          {"ch", r.chat_id}};
}

report decode_report(const json& in) {
  report r;
  r.id = in.at("id").get<std::uint64_t>();
  r.at_ms = in.at("ms").get<std::int64_t>();
  r.at = time_of(in.at("at"));
  r.reason = enum_of<report_reason>(in.at("r"));
  r.comment = in.at("c").get<std::string>();
  r.reporter_user_id = in.at("ru").get<std::string>();
  r.reporter_key = in.at("rk").get<std::string>();
  r.reported_user_id = in.at("du").get<std::string>();
  r.reported_address_key = in.at("da").get<std::string>();
  r.chat_id = in.at("ch").get<std::string>();
  return r;
}

}  // namespace

std::string encode_state(const service_state& state) {
  const auto& b = state.board;
  json participants = json::array();
  for (const auto& p : b.participants) participants.push_back(encode_participant(p));
  json exclusions = json::array();
  for (const auto& [key, until] : b.exclusions) exclusions.push_back({key, ticks(until)});
  json bans = json::array();
  for (const auto& x : state.safety.bans) bans.push_back(encode_ban(x));
  json reports = json::array();
  for (const auto& r : state.safety.reports) reports.push_back(encode_report(r));
  json spam = json::array();
  for (const auto& t : state.safety.spam) spam.push_back({t.key, ticks(t.first), t.recipients});
  json instances = json::array();
  for (const auto& [name, at] : state.instances) instances.push_back({name, ticks(at)});
  const json out = {
      {"v", format_version},
      {"ms", state.unix_ms},
      {"p", std::move(participants)},
      {"q", b.queues},
      {"x", std::move(exclusions)},
      {"n", {b.next_id, b.chats, b.matches_total, b.messages_relayed, b.signals_relayed}},
      {"bans", std::move(bans)},
      {"reports", std::move(reports)},
      {"nr", state.safety.next_report_id},
      {"spam", std::move(spam)},
      {"counts", {state.safety.reports_by_reason, state.safety.blocks, state.safety.spam_refused}},
      {"h", state.holders},
      {"i", std::move(instances)}};
  // Binary bytes (a client's text is valid UTF-8, but be safe) are replaced,
  // never thrown on.
  return out.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::optional<service_state> decode_state(std::string_view text) {
  const auto in = json::parse(text, nullptr, false);
  if (!in.is_object()) return std::nullopt;
  try {
    if (in.at("v").get<int>() != format_version) return std::nullopt;
    service_state s;
    s.unix_ms = in.at("ms").get<std::int64_t>();
    auto& b = s.board;
    for (const auto& p : in.at("p")) b.participants.push_back(decode_participant(p));
    b.queues = in.at("q").get<std::array<std::vector<participant_id>, 2>>();
    for (const auto& x : in.at("x")) {
      b.exclusions.emplace_back(x.at(0).get<std::string>(), time_of(x.at(1)));
    }
    const auto& n = in.at("n");
    b.next_id = n.at(0).get<participant_id>();
    b.chats = n.at(1).get<std::size_t>();
    b.matches_total = n.at(2).get<std::uint64_t>();
    b.messages_relayed = n.at(3).get<std::uint64_t>();
    b.signals_relayed = n.at(4).get<std::uint64_t>();
    for (const auto& x : in.at("bans")) s.safety.bans.push_back(decode_ban(x));
    for (const auto& r : in.at("reports")) s.safety.reports.push_back(decode_report(r));
    s.safety.next_report_id = in.at("nr").get<std::uint64_t>();
    for (const auto& t : in.at("spam")) {
      s.safety.spam.push_back(
          {t.at(0).get<std::string>(), time_of(t.at(1)), t.at(2).get<std::vector<std::string>>()});
    }
    const auto& counts = in.at("counts");
    s.safety.reports_by_reason = counts.at(0).get<decltype(s.safety.reports_by_reason)>();
    s.safety.blocks = counts.at(1).get<std::uint64_t>();
    s.safety.spam_refused = counts.at(2).get<std::uint64_t>();
    s.holders = in.at("h").get<std::vector<std::pair<participant_id, std::string>>>();
    for (const auto& i : in.at("i")) s.instances.emplace_back(i.at(0).get<std::string>(), time_of(i.at(1)));
    return s;
  } catch (const json::exception&) {
    return std::nullopt;
  }
}

}  // namespace parley
