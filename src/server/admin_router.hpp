#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "http_types.hpp"
#include "parley/app/chat_service.hpp"
#include "parley/core/time_source.hpp"
#include "parley/crypto/keyed_hash.hpp"

namespace parley {

/** The operators' API under /admin/, only when ADMIN_TOKEN is set:
    GET /admin/reports, GET /admin/bans, POST /admin/bans,
    DELETE /admin/bans/{id}. Every request needs
    `Authorization: Bearer <ADMIN_TOKEN>`, compared in constant time.
    Addresses appear only as keyed hashes; a ban by `address` hashes it
    with the same key as the server's own view of clients.
*/
class admin_router {
public:
  admin_router(std::string token, chat_service& chats, const keyed_hash& hashes,
               const time_source& clock);

  /// True when the admin API is on and `path` is under /admin/. When it is
  /// off, /admin/ is like any unknown path.
  bool owns(std::string_view path) const noexcept;
  /// Answers `req` through `respond`: at once for reads, once applied for a
  /// ban or a lift (in a cluster: once every instance's order reached it).
  void handle(const http_request& req, std::function<void(http_response)> respond) const;

private:
  void route(const http_request& req, std::string_view path,
             const std::function<void(http_response)>& respond) const;

  std::string token_;
  chat_service& chats_;
  const keyed_hash& hashes_;
  const time_source& clock_;
};

}  // namespace parley
