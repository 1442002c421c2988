// The switchboard's pairing exclusions: the re-match cooldown after a chat,
// and block (which a report also does), with the fake clock.
#include "parley/core/switchboard.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>

#include "event_json.hpp"
#include "fake_time_source.hpp"
#include "sequential_token_source.hpp"

namespace parley {
namespace {

using namespace std::chrono_literals;
constexpr auto text = chat_type::text;

chat_limits limits_with(std::chrono::milliseconds cooldown) {
  chat_limits limits;
  limits.rematch_cooldown = cooldown;
  limits.block_exclusion = 3600s;
  limits.report_grace = 60s;
  // No REST idle expiry during the long waits of these tests.
  limits.rest_idle_timeout = 24h;
  return limits;
}

class SwitchboardExclusion : public ::testing::Test {
protected:
  testing::fake_time_source clock;
  testing::sequential_token_source tokens;
  switchboard board{limits_with(300s), clock, tokens};

  participant& started(std::string address = {}) {
    auto& p = board.create(std::move(address));
    board.start(p, text, {});
    return p;
  }
  nlohmann::json last_event(const participant& p) const {
    const auto events = board.events_after(p, 0);
    return events.empty() ? nlohmann::json() : testing::event_json(events.back());
  }
};

TEST_F(SwitchboardExclusion, TwoWhoJustChattedKeepWaitingWhenAloneTogether) {
  auto& a = started();
  auto& b = started();
  ASSERT_EQ(a.partner, b.id);
  ASSERT_FALSE(board.next(a));
  ASSERT_FALSE(board.next(b));
  EXPECT_EQ(a.status, participant_status::waiting);
  EXPECT_EQ(b.status, participant_status::waiting);
  clock.advance(299s);
  board.tick();
  EXPECT_EQ(a.status, participant_status::waiting);
  // A third user is matched at once with the one who waited longest.
  auto& c = started();
  EXPECT_EQ(c.status, participant_status::matched);
  EXPECT_EQ(c.partner, a.id);
  EXPECT_EQ(b.status, participant_status::waiting);
}

TEST_F(SwitchboardExclusion, CooldownEndsAfterRematchCooldown) {
  auto& a = started();
  auto& b = started();
  ASSERT_FALSE(board.next(a));
  clock.advance(300s);
  ASSERT_FALSE(board.next(b));
  EXPECT_EQ(a.partner, b.id);
  EXPECT_EQ(a.status, participant_status::matched);
}

TEST_F(SwitchboardExclusion, NoCooldownWhenTheSettingIsZero) {
  switchboard plain{limits_with(0s), clock, tokens};
  auto& a = plain.create();
  plain.start(a, text, {});
  auto& b = plain.create();
  plain.start(b, text, {});
  ASSERT_FALSE(plain.next(a));
  ASSERT_FALSE(plain.next(b));
  EXPECT_EQ(a.partner, b.id);
  EXPECT_EQ(plain.excluded_pairs(), 0u);
}

TEST_F(SwitchboardExclusion, BlockEndsTheChatAsAnOrdinaryDeparture) {
  auto& a = started();
  auto& b = started();
  const auto chat = a.chat_id;
  const auto blocked = board.block(a);
  ASSERT_TRUE(std::holds_alternative<switchboard::stranger>(blocked));
  const auto& s = std::get<switchboard::stranger>(blocked);
  EXPECT_EQ(s.user_id, b.user_id);
  EXPECT_EQ(s.chat_id, chat);
  EXPECT_EQ(a.status, participant_status::idle);
  EXPECT_EQ(b.status, participant_status::ended);
  EXPECT_EQ(last_event(b)["type"], "partner_left");
  EXPECT_EQ(last_event(b)["reason"], "left");
}

TEST_F(SwitchboardExclusion, BlockedPairIsKeptApartLongAfterTheCooldown) {
  auto& a = started();
  auto& b = started();
  ASSERT_TRUE(std::holds_alternative<switchboard::stranger>(board.block(a)));
  clock.advance(3599s);  // cooldown (300 s) long over, exclusion (3600 s) not
  board.tick();
  ASSERT_FALSE(board.next(a));
  ASSERT_FALSE(board.next(b));
  EXPECT_EQ(a.status, participant_status::waiting);
  EXPECT_EQ(b.status, participant_status::waiting);
  clock.advance(1s);
  board.tick();
  ASSERT_FALSE(board.next(b));
  EXPECT_EQ(b.partner, a.id);
}

TEST_F(SwitchboardExclusion, BlockAlsoKeepsTheAddressesApart) {
  const std::string home(64, 'a');
  const std::string other(64, 'b');
  auto& a = started(home);
  started(other);
  ASSERT_TRUE(std::holds_alternative<switchboard::stranger>(board.block(a)));
  // New identities (a reloaded page) from the same two addresses.
  auto& a2 = started(home);
  auto& b2 = started(other);
  EXPECT_EQ(a2.status, participant_status::waiting);
  EXPECT_EQ(b2.status, participant_status::waiting);
  // Anyone else is matched with them as usual.
  auto& c = started(std::string(64, 'c'));
  EXPECT_EQ(c.partner, a2.id);
}

TEST_F(SwitchboardExclusion, UsersBehindOneAddressAreNotKeptApartByIt) {
  // Users behind one address (loopback in tests, a NAT) may still meet each
  // other after one of them blocked a stranger elsewhere.
  const std::string shared(64, 's');
  auto& a = started(shared);
  started(std::string(64, 'o'));
  ASSERT_TRUE(std::holds_alternative<switchboard::stranger>(board.block(a)));
  ASSERT_FALSE(board.next(a));
  auto& c = started(shared);
  EXPECT_EQ(c.partner, a.id);
}

TEST_F(SwitchboardExclusion, StrangerCanBeBlockedWithinTheGraceAfterTheChat) {
  auto& a = started();
  auto& b = started();
  const auto b_user = b.user_id;
  board.stop(b);  // b left first
  EXPECT_EQ(a.status, participant_status::ended);
  clock.advance(59s);
  const auto late = board.block(a);
  ASSERT_TRUE(std::holds_alternative<switchboard::stranger>(late));
  EXPECT_EQ(std::get<switchboard::stranger>(late).user_id, b_user);
  clock.advance(2s);
  const auto too_late = board.block(a);
  ASSERT_TRUE(std::holds_alternative<failure>(too_late));
  EXPECT_EQ(std::get<failure>(too_late).code, error_code::not_matched);
}

TEST_F(SwitchboardExclusion, BlockWithoutAnyStrangerIsRefused) {
  auto& a = started();
  const auto refused = board.block(a);
  ASSERT_TRUE(std::holds_alternative<failure>(refused));
  EXPECT_EQ(std::get<failure>(refused).code, error_code::not_matched);
  EXPECT_EQ(a.status, participant_status::waiting);
}

TEST_F(SwitchboardExclusion, ExclusionsAreBoundedBySetting) {
  auto limits = limits_with(300s);
  limits.max_excluded_pairs = 4;
  switchboard small{limits, clock, tokens};
  for (int i = 0; i < 20; ++i) {
    auto& a = small.create();
    small.start(a, text, {});
    auto& b = small.create();
    small.start(b, text, {});
    small.stop(a);
  }
  EXPECT_EQ(small.excluded_pairs(), 4u);
}

TEST_F(SwitchboardExclusion, TickForgetsExpiredPairs) {
  auto& a = started();
  started();
  board.stop(a);
  EXPECT_EQ(board.excluded_pairs(), 1u);
  clock.advance(300s);
  board.tick();
  EXPECT_EQ(board.excluded_pairs(), 0u);
}

}  // namespace
}  // namespace parley
