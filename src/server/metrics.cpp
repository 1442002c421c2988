#include "metrics.hpp"

#include <sstream>

#include "parley/app/moderation.hpp"
#include "parley/core/switchboard.hpp"

namespace parley {

void metrics::count_http(unsigned status) noexcept {
  const unsigned cls = status / 100;
  if (cls >= 1 && cls <= 5) ++http_by_class_[cls - 1];
}

std::string metrics::render(const switchboard& board, std::size_t open_connections,
                            std::size_t open_websockets, double uptime_s,
                            std::optional<std::size_t> instances) const {
  std::ostringstream out;
  auto family = [&](const char* name, const char* type, const char* help) {
    out << "# HELP " << name << ' ' << help << "\n# TYPE " << name << ' ' << type << '\n';
  };
  family("parley_users_online", "gauge", "Participants known to the server.");
  out << "parley_users_online " << board.online() << '\n';
  family("parley_users_waiting", "gauge", "Participants waiting for a partner, by chat type.");
  out << "parley_users_waiting{chat_type=\"text\"} " << board.waiting(chat_type::text) << '\n';
  out << "parley_users_waiting{chat_type=\"video\"} " << board.waiting(chat_type::video) << '\n';
  family("parley_sessions_active", "gauge", "Chats in progress.");
  out << "parley_sessions_active " << board.chats() << '\n';
  family("parley_matches_total", "counter", "Pairs matched since start.");
  out << "parley_matches_total " << board.matches_total() << '\n';
  family("parley_messages_relayed_total", "counter", "Chat messages relayed.");
  out << "parley_messages_relayed_total " << board.messages_relayed() << '\n';
  family("parley_signals_relayed_total", "counter", "WebRTC signals relayed.");
  out << "parley_signals_relayed_total " << board.signals_relayed() << '\n';
  family("parley_http_requests_total", "counter", "HTTP responses by status class.");
  for (std::size_t i = 0; i < http_by_class_.size(); ++i) {
    out << "parley_http_requests_total{status_class=\"" << i + 1 << "xx\"} " << http_by_class_[i]
        << '\n';
  }
  if (instances) {
    family("parley_cluster_instances", "gauge", "Instances of the cluster alive (REDIS_URL).");
    out << "parley_cluster_instances " << *instances << '\n';
  }
  family("parley_connections_open", "gauge", "Open TCP connections on this instance.");
  out << "parley_connections_open " << open_connections << '\n';
  family("parley_websockets_open", "gauge", "Open WebSocket connections on this instance.");
  out << "parley_websockets_open " << open_websockets << '\n';
  family("parley_websockets_opened_total", "counter", "WebSocket connections accepted.");
  out << "parley_websockets_opened_total " << websockets_opened_ << '\n';
  family("parley_websockets_closed_slow_total", "counter",
         "WebSockets closed because their send queue overflowed.");
  out << "parley_websockets_closed_slow_total " << websockets_closed_slow_ << '\n';
  family("parley_connections_refused_total", "counter",
         "Connections refused at the connection cap.");
  out << "parley_connections_refused_total " << connections_refused_ << '\n';
  family("parley_uptime_seconds", "gauge", "Seconds since start.");
  out << "parley_uptime_seconds " << uptime_s << '\n';
  return out.str();
}

std::string metrics::render_safety(const moderation& safety, std::size_t excluded_pairs) {
  std::ostringstream out;
  auto family = [&](const char* name, const char* type, const char* help) {
    out << "# HELP " << name << ' ' << help << "\n# TYPE " << name << ' ' << type << '\n';
  };
  family("parley_reports_total", "counter", "Reports of a stranger, by reason.");
  for (const auto reason : all_report_reasons) {
    out << "parley_reports_total{reason=\"" << to_string(reason) << "\"} "
        << safety.reports_total(reason) << '\n';
  }
  family("parley_blocks_total", "counter", "Strangers blocked.");
  out << "parley_blocks_total " << safety.blocks_total() << '\n';
  family("parley_bans_active", "gauge", "Bans in force.");
  out << "parley_bans_active " << safety.bans().size() << '\n';
  family("parley_spam_refused_total", "counter", "Messages refused by the spam guard.");
  out << "parley_spam_refused_total " << safety.spam_refused_total() << '\n';
  family("parley_excluded_pairs", "gauge", "Pairs kept apart (re-match cooldowns, blocks, reports).");
  out << "parley_excluded_pairs " << excluded_pairs << '\n';
  return out.str();
}

}  // namespace parley
