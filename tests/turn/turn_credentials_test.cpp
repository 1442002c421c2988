#include "parley/turn/turn_credentials.hpp"

#include <gtest/gtest.h>

namespace parley::testing {
namespace {

using namespace std::chrono_literals;

// Known answers, computed independently of this code:
//   printf '%s' '1795661600:0123456789abcdef' | openssl dgst -sha1 -hmac 'parley-test-secret' -binary | base64
//   => bcfuD9iP3bcMacx0ZkLw2nSlGvk=
// (python3: base64.b64encode(hmac.new(b'parley-test-secret',
//   b'1795661600:0123456789abcdef', hashlib.sha1).digest()) gives the same.)
TEST(TurnCredentials, KnownAnswerForFixedSecretTimeAndId) {
  const turn_credentials turn({"turn:turn.example.org:3478?transport=udp"}, "parley-test-secret",
                              21600s);
  const auto grant = turn.issue(1'795'640'000, "0123456789abcdef");
  EXPECT_EQ(grant.username, "1795661600:0123456789abcdef");  // now + ttl, then the id
  EXPECT_EQ(grant.credential, "bcfuD9iP3bcMacx0ZkLw2nSlGvk=");
  EXPECT_EQ(grant.ttl_s, 21600);
  ASSERT_EQ(grant.urls.size(), 1u);
  EXPECT_EQ(grant.urls[0], "turn:turn.example.org:3478?transport=udp");
}

// RFC 2202 test case 2 (HMAC-SHA1): effcdf6ae5eb2fa2d27416d5f184df9c259a7c79,
//   printf '%s' 'what do ya want for nothing?' | openssl dgst -sha1 -hmac Jefe -binary | base64
TEST(TurnCredentials, Rfc2202VectorInBase64) {
  EXPECT_EQ(turn_credentials::credential_for("Jefe", "what do ya want for nothing?"),
            "7/zfauXrL6LSdBbV8YTfnCWafHk=");
}

//   printf '%s' '1700000060:a' | openssl dgst -sha1 -hmac s -binary | base64
TEST(TurnCredentials, ShortSecretAndTtl) {
  const turn_credentials turn({"turn:a", "turns:b"}, "s", 60s);
  const auto grant = turn.issue(1'700'000'000, "a");
  EXPECT_EQ(grant.username, "1700000060:a");
  EXPECT_EQ(grant.credential, "Yq6/g0Oa8SRcybClO9eTDS7z25Y=");
  EXPECT_EQ(grant.urls.size(), 2u);
}

TEST(TurnCredentials, DependsOnSecretTimeAndId) {
  const turn_credentials a({"turn:a"}, "secret-one", 3600s);
  const turn_credentials b({"turn:a"}, "secret-two", 3600s);
  const auto base = a.issue(1'000'000, "id");
  EXPECT_NE(base.credential, b.issue(1'000'000, "id").credential);
  EXPECT_NE(base.credential, a.issue(1'000'001, "id").credential);
  EXPECT_NE(base.credential, a.issue(1'000'000, "id2").credential);
  EXPECT_EQ(base.credential, a.issue(1'000'000, "id").credential);
  EXPECT_EQ(base.credential.size(), 28u);  // 20 bytes of HMAC-SHA1 in base64
}

}  // namespace
}  // namespace parley::testing
