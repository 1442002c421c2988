#include "parley/core/switchboard.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "fake_time_source.hpp"
#include "event_json.hpp"
#include "outbox_recorder.hpp"
#include "sequential_token_source.hpp"

namespace parley {

// Readable failure messages for the enums (found by argument-dependent lookup).
void PrintTo(participant_status status, std::ostream* out) { *out << to_string(status); }
void PrintTo(leave_reason reason, std::ostream* out) { *out << to_string(reason); }
void PrintTo(chat_type type, std::ostream* out) { *out << to_string(type); }

namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using tags = std::vector<std::string>;

constexpr auto text = chat_type::text;
constexpr auto video = chat_type::video;

/// One switchboard with the default limits, a fake clock, predictable
/// tokens, and a record of everything its outbox held.
class Switchboard : public ::testing::Test {
protected:
  testing::fake_time_source clock;
  testing::sequential_token_source tokens;
  switchboard board{chat_limits{}, clock, tokens};
  testing::outbox_recorder recorded{board};

  const chat_limits& limits() const { return board.limits(); }

  /// A new participant that has asked for a chat of `type`.
  participant& started(chat_type type, tags interests = {}) {
    auto& p = board.create();
    board.start(p, type, std::move(interests));
    return p;
  }

  struct pair_of {
    participant& first;   ///< waited longer
    participant& second;  ///< arrived second
  };
  /// Two participants chatting with each other, nobody else waiting.
  pair_of matched_pair(chat_type type = text) {
    auto& a = started(type);
    auto& b = started(type);
    EXPECT_EQ(a.status, participant_status::matched);
    EXPECT_EQ(b.status, participant_status::matched);
    EXPECT_EQ(a.partner, b.id);
    return {a, b};
  }

  /// The kept events of `p`, parsed.
  std::vector<json> mailbox(const participant& p) const {
    std::vector<json> out;
    for (const auto& e : board.events_after(p, 0)) out.push_back(testing::event_json(e));
    return out;
  }

  /// The newest event of `p`, or null when it has none.
  json last_event(const participant& p) const {
    const auto events = mailbox(p);
    return events.empty() ? json() : events.back();
  }

  std::size_t event_count(const participant& p) const { return board.events_after(p, 0).size(); }
};

// --- Identity ----------------------------------------------------------------

TEST_F(Switchboard, CreateMakesAnIdleParticipant) {
  const auto& p = board.create();
  EXPECT_EQ(p.status, participant_status::idle);
  EXPECT_FALSE(p.user_id.empty());
  EXPECT_FALSE(p.token_key.empty());
  EXPECT_TRUE(p.mailbox.empty());
  EXPECT_EQ(board.online(), 1u);
  EXPECT_EQ(board.waiting(text) + board.waiting(video), 0u);
}

TEST_F(Switchboard, TokenKeyFindsItsParticipant) {
  auto& p = board.create();
  EXPECT_EQ(board.find_by_token_key(p.token_key), &p);
  EXPECT_EQ(board.find(p.id), &p);
}

TEST_F(Switchboard, CreateTakesTheIdentityItIsGiven) {
  auto* p = board.create(participant_identity{1ull << 41, "public-id", "key-of-token", "key-of-addr"});
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->id, 1ull << 41);
  EXPECT_EQ(p->user_id, "public-id");
  EXPECT_EQ(p->address_key, "key-of-addr");
  EXPECT_EQ(board.find_by_token_key("key-of-token"), p);
  // Neither the id nor the token key may be taken twice.
  EXPECT_EQ(board.create(participant_identity{1ull << 41, "other", "other-key", ""}), nullptr);
  EXPECT_EQ(board.create(participant_identity{7, "other", "key-of-token", ""}), nullptr);
  EXPECT_EQ(board.online(), 1u);
}

TEST_F(Switchboard, UnknownTokenFindsNobody) {
  const auto& p = board.create();
  EXPECT_EQ(board.find_by_token_key("not-a-token"), nullptr);
  EXPECT_EQ(board.find_by_token_key(""), nullptr);
  EXPECT_EQ(board.find_by_token_key(p.user_id), nullptr);  // the public id is no credential
}

TEST_F(Switchboard, UserIdIsNotTheToken) {
  const auto& p = board.create();
  EXPECT_NE(p.user_id, p.token_key);
}

TEST_F(Switchboard, ParticipantsHaveDistinctIdsAndTokens) {
  std::set<std::string> user_ids;
  std::set<std::string> secrets;
  std::set<participant_id> ids;
  for (int i = 0; i < 50; ++i) {
    const auto& p = board.create();
    user_ids.insert(p.user_id);
    secrets.insert(p.token_key);
    ids.insert(p.id);
  }
  EXPECT_EQ(user_ids.size(), 50u);
  EXPECT_EQ(secrets.size(), 50u);
  EXPECT_EQ(ids.size(), 50u);
}

TEST_F(Switchboard, TokenIsAtLeast128Bits) {
  // The fake source, like the real one, gives two hex characters per byte.
  EXPECT_GE(board.create().token_key.size(), 32u);
}

TEST(SwitchboardWithRandomTokens, TokensAreLongHexFromTheCsprng) {
  testing::fake_time_source clock;
  random_token_source tokens;
  switchboard board{chat_limits{}, clock, tokens};
  testing::outbox_recorder recorded{board};
  const auto& a = board.create();
  const auto& b = board.create();
  EXPECT_GE(a.token_key.size(), 32u);
  EXPECT_EQ(a.token_key.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_NE(a.token_key, b.token_key);
  EXPECT_EQ(board.find_by_token_key(b.token_key), &b);
}

// --- Mailbox numbering -------------------------------------------------------

TEST_F(Switchboard, EventSeqStartsAtOneAndIncreasesByOne) {
  auto [a, b] = matched_pair();
  ASSERT_FALSE(board.send_message(a, "one"));
  ASSERT_FALSE(board.send_typing(a, true));
  ASSERT_FALSE(board.send_signal(a, R"({"x":1})"));
  const auto events = mailbox(b);
  ASSERT_EQ(events.size(), 4u);
  for (std::size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(events[i]["seq"], i + 1);
    EXPECT_EQ(board.events_after(b, 0)[i].seq, i + 1);
  }
  EXPECT_EQ(b.last_seq, 4u);
}

TEST_F(Switchboard, EachParticipantCountsItsOwnSeq) {
  auto [a, b] = matched_pair();
  ASSERT_FALSE(board.send_message(a, "to b"));
  ASSERT_FALSE(board.send_message(a, "to b again"));
  ASSERT_FALSE(board.send_message(b, "to a"));
  EXPECT_EQ(last_event(a)["seq"], 2);
  EXPECT_EQ(last_event(b)["seq"], 3);
}

TEST_F(Switchboard, SinkSeesEveryMailboxEvent) {
  auto [a, b] = matched_pair();
  ASSERT_FALSE(board.send_message(a, "hello"));
  board.stop(b);
  EXPECT_EQ(recorded.events_for(a.id), mailbox(a));
  EXPECT_EQ(recorded.events_for(b.id), mailbox(b));
  EXPECT_EQ(recorded.events().size(), event_count(a) + event_count(b));
}

// --- Matching ----------------------------------------------------------------

TEST_F(Switchboard, FirstUserWaits) {
  const auto& a = started(text);
  EXPECT_EQ(a.status, participant_status::waiting);
  EXPECT_EQ(board.waiting(text), 1u);
  EXPECT_EQ(board.chats(), 0u);
  EXPECT_TRUE(recorded.events().empty());
  EXPECT_TRUE(recorded.matches().empty());
}

TEST_F(Switchboard, TwoTextUsersAreMatchedAtOnce) {
  auto& a = started(text);
  auto& b = started(text);
  EXPECT_EQ(a.status, participant_status::matched);
  EXPECT_EQ(b.status, participant_status::matched);
  EXPECT_EQ(a.partner, b.id);
  EXPECT_EQ(b.partner, a.id);
  EXPECT_EQ(board.waiting(text), 0u);
  EXPECT_EQ(board.chats(), 1u);
}

TEST_F(Switchboard, TwoVideoUsersAreMatchedAtOnce) {
  auto& a = started(video);
  auto& b = started(video);
  EXPECT_EQ(a.partner, b.id);
  EXPECT_EQ(last_event(a)["chat_type"], "video");
  EXPECT_EQ(last_event(b)["chat_type"], "video");
  EXPECT_EQ(board.waiting(video), 0u);
}

TEST_F(Switchboard, TextNeverMeetsVideo) {
  const auto& a = started(text);
  const auto& b = started(video);
  clock.advance(limits().interest_fallback * 2);  // past any interest wait, not the idle timeout
  board.tick();
  EXPECT_EQ(a.status, participant_status::waiting);
  EXPECT_EQ(b.status, participant_status::waiting);
  EXPECT_EQ(board.waiting(text), 1u);
  EXPECT_EQ(board.waiting(video), 1u);
  EXPECT_EQ(board.chats(), 0u);
}

TEST_F(Switchboard, BothSidesGetAMatchedEventWithTheSameSession) {
  auto [a, b] = matched_pair();
  const auto ea = last_event(a);
  const auto eb = last_event(b);
  EXPECT_EQ(ea["type"], "matched");
  EXPECT_EQ(eb["type"], "matched");
  EXPECT_EQ(ea["chat_type"], "text");
  EXPECT_FALSE(a.chat_id.empty());
  EXPECT_EQ(a.chat_id, b.chat_id);
  EXPECT_EQ(ea["session_id"], a.chat_id);
  EXPECT_EQ(eb["session_id"], a.chat_id);
  EXPECT_EQ(ea["common_interests"], json::array());
}

TEST_F(Switchboard, EachMatchHasItsOwnSessionId) {
  auto [a, b] = matched_pair();
  auto [c, d] = matched_pair();
  EXPECT_NE(a.chat_id, c.chat_id);
  EXPECT_EQ(board.chats(), 2u);
  EXPECT_EQ(board.matches_total(), 2u);
}

TEST_F(Switchboard, MatchedEventDoesNotRevealThePartner) {
  auto [a, b] = matched_pair();
  const auto e = last_event(b);
  for (const auto& [key, value] : e.items()) {
    EXPECT_NE(value, a.user_id) << key;
    EXPECT_NE(value, a.token_key) << key;
  }
}

TEST_F(Switchboard, ExactlyOneSideIsTheInitiator) {
  auto [a, b] = matched_pair();
  EXPECT_NE(last_event(a)["initiator"].get<bool>(), last_event(b)["initiator"].get<bool>());
  EXPECT_NE(a.initiator, b.initiator);
  EXPECT_EQ(a.initiator, last_event(a)["initiator"].get<bool>());
}

TEST_F(Switchboard, LongestWaitingSideIsTheInitiator) {
  auto [a, b] = matched_pair();
  EXPECT_TRUE(a.initiator);
  EXPECT_FALSE(b.initiator);
}

TEST_F(Switchboard, OlderWaiterIsTheInitiatorWhenTheNewerOnesWaitRunsOut) {
  // The match is triggered on b's behalf (its wait runs out last), yet a waited longer.
  auto& a = started(text, {"chess"});
  clock.advance(5s);
  auto& b = started(text, {"music"});
  clock.advance(5s);
  board.tick();
  clock.advance(5s);
  board.tick();
  ASSERT_EQ(a.partner, b.id);
  EXPECT_TRUE(a.initiator);
  EXPECT_FALSE(b.initiator);
  EXPECT_EQ(last_event(a)["initiator"], true);
  EXPECT_EQ(last_event(b)["initiator"], false);
}

TEST_F(Switchboard, SinkIsToldOfEveryMatch) {
  auto [a, b] = matched_pair();
  ASSERT_EQ(recorded.matches().size(), 1u);
  const auto& m = recorded.matches().front();
  EXPECT_EQ(std::set<participant_id>({m.first, m.second}), std::set<participant_id>({a.id, b.id}));
}

TEST_F(Switchboard, NeverPairsAUserWithItself) {
  auto& a = started(text);
  board.start(a, text, {});
  EXPECT_EQ(a.status, participant_status::waiting);
  ASSERT_FALSE(board.next(a));
  clock.advance(limits().interest_fallback * 2);
  board.tick();
  EXPECT_EQ(a.status, participant_status::waiting);
  EXPECT_EQ(board.waiting(text), 1u);
  EXPECT_EQ(board.chats(), 0u);
  EXPECT_TRUE(recorded.matches().empty());
}

TEST_F(Switchboard, StartingTwiceKeepsOneQueueEntry) {
  auto& a = started(text);
  board.start(a, text, {});
  board.start(a, text, {});
  EXPECT_EQ(board.waiting(text), 1u);
  const auto& b = started(text);
  EXPECT_EQ(b.partner, a.id);
  EXPECT_EQ(board.waiting(text), 0u);
}

TEST_F(Switchboard, LongestWaitingCompatibleUserIsMatchedFirst) {
  // Three waiting users who cannot meet each other (no shared interest yet).
  auto& a = started(text, {"art"});
  clock.advance(1s);
  auto& b = started(text, {"books"});
  clock.advance(1s);
  auto& c = started(text, {"cars"});
  ASSERT_EQ(board.waiting(text), 3u);
  // d shares an interest with b and c: b has waited longer.
  clock.advance(1s);
  auto& d = started(text, {"books", "cars"});
  EXPECT_EQ(d.partner, b.id);
  EXPECT_EQ(a.status, participant_status::waiting);
  EXPECT_EQ(c.status, participant_status::waiting);
}

TEST_F(Switchboard, LongestWaitingUserIsMatchedFirstWithoutInterests) {
  // a and b wait for an interest, both past their fallback: a newcomer without
  // interests takes the one that came first.
  auto& a = started(text, {"art"});
  clock.advance(1s);
  auto& b = started(text, {"books"});
  clock.advance(limits().interest_fallback);  // no tick: both waits ran out meanwhile
  auto& c = started(text);
  EXPECT_EQ(c.partner, a.id);
  EXPECT_EQ(b.status, participant_status::waiting);
}

TEST_F(Switchboard, QueueOrderIsArrivalOrder) {
  // The same users arriving in the other order are matched in the other order.
  auto& b = started(text, {"books"});
  clock.advance(1s);
  auto& a = started(text, {"art"});
  clock.advance(limits().interest_fallback);
  auto& c = started(text);
  EXPECT_EQ(c.partner, b.id);
  EXPECT_EQ(a.status, participant_status::waiting);
}

TEST_F(Switchboard, UsersSharingAnInterestAreMatchedAtOnce) {
  auto& a = started(text, {"chess", "music"});
  auto& b = started(text, {"music", "travel"});
  EXPECT_EQ(a.partner, b.id);
  EXPECT_EQ(last_event(a)["common_interests"], json({"music"}));
  EXPECT_EQ(last_event(b)["common_interests"], json({"music"}));
}

TEST_F(Switchboard, MatchedEventListsEverySharedInterest) {
  started(text, {"art", "chess", "music"});
  auto& b = started(text, {"chess", "music", "zoo"});
  EXPECT_EQ(last_event(b)["common_interests"], json({"chess", "music"}));
}

TEST_F(Switchboard, StartNormalisesInterestsBeforeComparing) {
  auto& a = started(text, {"  Music", "CHESS"});
  auto& b = started(text, {"music "});
  EXPECT_EQ(a.partner, b.id);
  EXPECT_EQ(last_event(b)["common_interests"], json({"music"}));
}

TEST_F(Switchboard, UsersWithoutSharedInterestWaitDuringTheInterestWait) {
  const auto& a = started(text, {"chess"});
  const auto& b = started(text, {"music"});
  EXPECT_EQ(a.status, participant_status::waiting);
  EXPECT_EQ(b.status, participant_status::waiting);
  EXPECT_EQ(board.waiting(text), 2u);
}

TEST_F(Switchboard, UserWithInterestsDoesNotTakeAUserWithoutInterestsDuringItsWait) {
  const auto& a = started(text);
  const auto& b = started(text, {"chess"});
  EXPECT_EQ(a.status, participant_status::waiting);
  EXPECT_EQ(b.status, participant_status::waiting);
}

TEST_F(Switchboard, UserWithoutInterestsDoesNotTakeAUserStillInItsInterestWait) {
  const auto& a = started(text, {"chess"});
  const auto& b = started(text);
  EXPECT_EQ(a.status, participant_status::waiting);
  EXPECT_EQ(b.status, participant_status::waiting);
}

TEST_F(Switchboard, UserWithInterestsSkipsAnEarlierUserWithoutSharedInterest) {
  const auto& a = started(text, {"art"});
  clock.advance(1s);
  const auto& b = started(text);
  clock.advance(1s);
  auto& c = started(text, {"chess"});
  clock.advance(1s);
  auto& d = started(text, {"chess"});
  EXPECT_EQ(d.partner, c.id);
  EXPECT_EQ(a.status, participant_status::waiting);
  EXPECT_EQ(b.status, participant_status::waiting);
}

TEST_F(Switchboard, InterestWaitRunningOutOnTickMatchesAnyoneOfTheSameType) {
  auto& a = started(text, {"chess"});
  auto& b = started(text, {"music"});
  clock.advance(limits().interest_fallback);
  board.tick();
  EXPECT_EQ(a.partner, b.id);
  EXPECT_EQ(board.chats(), 1u);
  EXPECT_EQ(board.waiting(text), 0u);
}

TEST_F(Switchboard, FallbackMatchReportsNoCommonInterests) {
  auto& a = started(text, {"chess"});
  auto& b = started(text, {"music"});
  clock.advance(limits().interest_fallback);
  board.tick();
  ASSERT_EQ(a.status, participant_status::matched);
  EXPECT_EQ(last_event(a)["common_interests"], json::array());
  EXPECT_EQ(last_event(b)["common_interests"], json::array());
}

TEST_F(Switchboard, TickBeforeTheInterestWaitRunsOutMatchesNobody) {
  const auto& a = started(text, {"chess"});
  const auto& b = started(text, {"music"});
  clock.advance(limits().interest_fallback - 1ms);
  board.tick();
  EXPECT_EQ(a.status, participant_status::waiting);
  EXPECT_EQ(b.status, participant_status::waiting);
  clock.advance(1ms);
  board.tick();
  EXPECT_EQ(a.status, participant_status::matched);
}

TEST_F(Switchboard, InterestWaitIsTenSecondsByDefault) {
  EXPECT_EQ(limits().interest_fallback, 10s);
}

TEST_F(Switchboard, FallbackNeedsBothInterestWaitsOver) {
  auto& a = started(text, {"chess"});
  clock.advance(5s);
  auto& b = started(text, {"music"});
  clock.advance(5s);  // a's wait is over, b's is not
  board.tick();
  EXPECT_EQ(a.status, participant_status::waiting);
  EXPECT_EQ(b.status, participant_status::waiting);
  clock.advance(5s);  // now b's is over too
  board.tick();
  EXPECT_EQ(a.partner, b.id);
}

TEST_F(Switchboard, InterestWaitRunningOutMatchesAWaitingUserWithoutInterests) {
  auto& a = started(text, {"chess"});
  auto& b = started(text);
  ASSERT_EQ(b.status, participant_status::waiting);
  clock.advance(limits().interest_fallback);
  board.tick();
  EXPECT_EQ(a.partner, b.id);
  EXPECT_EQ(last_event(b)["common_interests"], json::array());
}

TEST_F(Switchboard, UserWithoutInterestsTakesAUserWhoseWaitRanOutOnTick) {
  auto& a = started(text, {"chess"});
  clock.advance(limits().interest_fallback);
  board.tick();  // nobody to meet: a keeps waiting, now for anyone
  ASSERT_EQ(a.status, participant_status::waiting);
  auto& b = started(text);
  EXPECT_EQ(b.partner, a.id);
}

TEST_F(Switchboard, UserWithoutInterestsTakesAUserWhoseWaitRanOutBeforeTheTick) {
  auto& a = started(text, {"chess"});
  clock.advance(limits().interest_fallback);
  auto& b = started(text);  // no tick since a's wait ran out
  EXPECT_EQ(b.partner, a.id);
}

TEST_F(Switchboard, TickMatchesOnlyTheSameChatType) {
  const auto& a = started(text, {"chess"});
  const auto& b = started(video, {"music"});
  clock.advance(limits().interest_fallback);
  board.tick();
  EXPECT_EQ(a.status, participant_status::waiting);
  EXPECT_EQ(b.status, participant_status::waiting);
}

TEST_F(Switchboard, TickMatchesEveryPairWhoseWaitsRanOut) {
  for (int i = 0; i < 6; ++i) started(video, {"tag" + std::to_string(i)});
  ASSERT_EQ(board.waiting(video), 6u);
  clock.advance(limits().interest_fallback);
  board.tick();
  EXPECT_EQ(board.waiting(video), 0u);
  EXPECT_EQ(board.chats(), 3u);
}

TEST_F(Switchboard, ZeroInterestFallbackMatchesAtOnce) {
  chat_limits no_wait;
  no_wait.interest_fallback = 0ms;
  switchboard manager{no_wait, clock, tokens};
  auto& a = manager.create();
  manager.start(a, text, {"chess"});
  auto& b = manager.create();
  manager.start(b, text, {"music"});
  EXPECT_EQ(a.partner, b.id);
}

// --- next --------------------------------------------------------------------

TEST_F(Switchboard, NextBeforeAnyStartFailsNotStarted) {
  auto& a = board.create();
  const auto refused = board.next(a);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->code, error_code::not_started);
  EXPECT_EQ(a.status, participant_status::idle);
  EXPECT_EQ(board.waiting(text) + board.waiting(video), 0u);
}

TEST_F(Switchboard, NextTellsThePartnerNext) {
  auto [a, b] = matched_pair();
  ASSERT_FALSE(board.next(a));
  const auto e = last_event(b);
  EXPECT_EQ(e["type"], "partner_left");
  EXPECT_EQ(e["reason"], "next");
}

TEST_F(Switchboard, NextQueuesAgainWithSameTypeAndInterests) {
  auto& a = started(video, {"chess"});
  auto& b = started(video, {"chess"});
  ASSERT_EQ(a.partner, b.id);
  ASSERT_FALSE(board.next(a));
  EXPECT_EQ(a.status, participant_status::waiting);
  EXPECT_EQ(a.type, video);
  EXPECT_EQ(a.interests, tags{"chess"});
  EXPECT_EQ(board.waiting(video), 1u);
  EXPECT_EQ(board.waiting(text), 0u);
  // The interests still count: a newcomer sharing one meets it at once.
  auto& c = started(video, {"chess"});
  EXPECT_EQ(c.partner, a.id);
}

TEST_F(Switchboard, NextRestartsTheInterestWait) {
  auto& a = started(text, {"chess"});
  auto& b = started(text, {"chess"});
  ASSERT_EQ(a.partner, b.id);
  clock.advance(limits().interest_fallback * 3);
  ASSERT_FALSE(board.next(a));
  auto& c = started(text);  // no interests: a must still wait for a shared one
  EXPECT_EQ(a.status, participant_status::waiting);
  EXPECT_EQ(c.status, participant_status::waiting);
}

TEST_F(Switchboard, NextMatchesAtOnceWithAWaitingUser) {
  auto [a, b] = matched_pair();
  auto& c = started(text);
  ASSERT_EQ(c.status, participant_status::waiting);
  ASSERT_FALSE(board.next(a));
  EXPECT_EQ(a.partner, c.id);
  EXPECT_EQ(last_event(a)["type"], "matched");
  EXPECT_EQ(last_event(c)["type"], "matched");
}

TEST_F(Switchboard, NextNeverMatchesBackWithThePartnerJustLeft) {
  auto [a, b] = matched_pair();
  ASSERT_FALSE(board.next(a));
  EXPECT_EQ(a.status, participant_status::waiting);
  EXPECT_EQ(b.status, participant_status::ended);
  EXPECT_EQ(board.chats(), 0u);
}

TEST_F(Switchboard, PartnerLeftBehindIsNotQueued) {
  auto [a, b] = matched_pair();
  ASSERT_FALSE(board.next(a));
  EXPECT_EQ(b.status, participant_status::ended);
  EXPECT_EQ(b.partner, 0u);
  // The chat it was in is over: it is not shown as current, but kept, so
  // that a client naming it can still collect the departure.
  EXPECT_TRUE(current_chat_id(b).empty());
  EXPECT_FALSE(b.chat_id.empty());
  EXPECT_EQ(board.waiting(text), 1u);  // only a
}

TEST_F(Switchboard, PartnerLeftBehindStaysEndedThroughTicks) {
  auto [a, b] = matched_pair();
  board.attach(b);
  board.stop(a);
  clock.advance(limits().interest_fallback * 2);
  board.tick();
  EXPECT_EQ(b.status, participant_status::ended);
  EXPECT_EQ(board.waiting(text), 0u);
}

TEST_F(Switchboard, EndedUserQueuesAgainWithNext) {
  auto [a, b] = matched_pair(video);
  board.stop(a);
  ASSERT_EQ(b.status, participant_status::ended);
  ASSERT_FALSE(board.next(b));
  EXPECT_EQ(b.status, participant_status::waiting);
  EXPECT_EQ(board.waiting(video), 1u);
}

TEST_F(Switchboard, EndedUserQueuesAgainWithStart) {
  auto [a, b] = matched_pair(video);
  board.stop(a);
  board.start(b, text, {});
  EXPECT_EQ(b.status, participant_status::waiting);
  EXPECT_EQ(board.waiting(text), 1u);
  EXPECT_EQ(board.waiting(video), 0u);
}

TEST_F(Switchboard, NextFromIdleAfterStopQueuesWithTheLastType) {
  auto& a = started(video, {"chess"});
  board.stop(a);
  ASSERT_FALSE(board.next(a));
  EXPECT_EQ(a.status, participant_status::waiting);
  EXPECT_EQ(board.waiting(video), 1u);
}

// --- start while busy --------------------------------------------------------

TEST_F(Switchboard, StartWhileMatchedTellsThePartnerLeftAndQueuesAgain) {
  auto [a, b] = matched_pair();
  board.start(a, video, {});
  EXPECT_EQ(last_event(b)["reason"], "left");
  EXPECT_EQ(b.status, participant_status::ended);
  EXPECT_EQ(a.status, participant_status::waiting);
  EXPECT_EQ(board.waiting(video), 1u);
  EXPECT_EQ(board.chats(), 0u);
}

TEST_F(Switchboard, StartWhileWaitingMovesToTheNewQueue) {
  auto& a = started(text);
  board.start(a, video, {"chess"});
  EXPECT_EQ(board.waiting(text), 0u);
  EXPECT_EQ(board.waiting(video), 1u);
  EXPECT_EQ(a.type, video);
  EXPECT_EQ(a.interests, tags{"chess"});
  const auto& b = started(text);
  EXPECT_EQ(b.status, participant_status::waiting);  // a left the text queue for real
}

// --- stop and end --------------------------------------------------------------

TEST_F(Switchboard, StopTellsThePartnerLeft) {
  auto [a, b] = matched_pair();
  board.stop(a);
  const auto e = last_event(b);
  EXPECT_EQ(e["type"], "partner_left");
  EXPECT_EQ(e["reason"], "left");
}

TEST_F(Switchboard, StopLeavesTheChatAndStaysIdle) {
  auto [a, b] = matched_pair();
  board.stop(a);
  EXPECT_EQ(a.status, participant_status::idle);
  EXPECT_EQ(a.partner, 0u);
  EXPECT_TRUE(a.chat_id.empty());
  EXPECT_EQ(board.chats(), 0u);
  EXPECT_EQ(board.waiting(text), 0u);
}

TEST_F(Switchboard, StopLeavesTheQueue) {
  auto& a = started(text);
  board.stop(a);
  EXPECT_EQ(a.status, participant_status::idle);
  EXPECT_EQ(board.waiting(text), 0u);
  const auto& b = started(text);
  EXPECT_EQ(b.status, participant_status::waiting);
}

TEST_F(Switchboard, StopAfterThePartnerLeftIsIdle) {
  auto [a, b] = matched_pair();
  board.stop(a);
  ASSERT_EQ(b.status, participant_status::ended);
  board.stop(b);
  EXPECT_EQ(b.status, participant_status::idle);
  EXPECT_EQ(board.waiting(text), 0u);
}

TEST_F(Switchboard, StopKeepsTheIdentity) {
  auto [a, b] = matched_pair();
  board.stop(a);
  EXPECT_EQ(board.find_by_token_key(a.token_key), &a);
  EXPECT_EQ(board.online(), 2u);
  EXPECT_TRUE(recorded.ends().empty());
}

TEST_F(Switchboard, StopDoesNotTellTheLeaver) {
  auto [a, b] = matched_pair();
  const auto before = event_count(a);
  board.stop(a);
  EXPECT_EQ(event_count(a), before);
}

TEST_F(Switchboard, EndTellsThePartnerLeft) {
  auto [a, b] = matched_pair();
  board.end(a, leave_reason::left);
  const auto e = last_event(b);
  EXPECT_EQ(e["type"], "partner_left");
  EXPECT_EQ(e["reason"], "left");
}

TEST_F(Switchboard, EndForgetsTheToken) {
  auto& a = board.create();
  const auto token = a.token_key;
  const auto id = a.id;
  board.end(a, leave_reason::left);
  EXPECT_EQ(board.find_by_token_key(token), nullptr);
  EXPECT_EQ(board.find(id), nullptr);
  EXPECT_EQ(board.online(), 0u);
}

TEST_F(Switchboard, EndTellsTheSinkWhy) {
  auto& a = board.create();
  const auto id = a.id;
  board.end(a, leave_reason::left);
  ASSERT_EQ(recorded.ends().size(), 1u);
  EXPECT_EQ(recorded.ends()[0].id, id);
  EXPECT_EQ(recorded.ends()[0].reason, leave_reason::left);
}

TEST_F(Switchboard, EndLeavesTheQueue) {
  auto& a = started(text);
  board.end(a, leave_reason::left);
  EXPECT_EQ(board.waiting(text), 0u);
  const auto& b = started(text);
  EXPECT_EQ(b.status, participant_status::waiting);
}

TEST_F(Switchboard, PartnerOfAnEndedUserIsEndedNotQueued) {
  auto [a, b] = matched_pair();
  board.end(a, leave_reason::left);
  EXPECT_EQ(b.status, participant_status::ended);
  EXPECT_EQ(board.waiting(text), 0u);
  EXPECT_EQ(board.chats(), 0u);
}

// --- Liveness: resume grace and REST idle timeout ----------------------------

TEST_F(Switchboard, DetachedUserIsGoneWhenTheResumeGraceRunsOut) {
  auto [a, b] = matched_pair();
  board.attach(a);
  board.attach(b);
  const auto token = a.token_key;
  board.detach(a);
  clock.advance(limits().resume_grace);
  board.tick();
  EXPECT_EQ(board.find_by_token_key(token), nullptr);
  EXPECT_EQ(board.online(), 1u);
}

TEST_F(Switchboard, ResumeGraceRunningOutTellsThePartnerDisconnected) {
  auto [a, b] = matched_pair();
  board.attach(a);
  board.attach(b);
  board.detach(a);
  clock.advance(limits().resume_grace);
  board.tick();
  EXPECT_EQ(last_event(b)["type"], "partner_left");
  EXPECT_EQ(last_event(b)["reason"], "disconnected");
  EXPECT_EQ(b.status, participant_status::ended);
  ASSERT_EQ(recorded.ends().size(), 1u);
  EXPECT_EQ(recorded.ends()[0].reason, leave_reason::disconnected);
}

TEST_F(Switchboard, DetachedUserIsKeptUntilTheGraceRunsOut) {
  auto& a = started(text);
  board.attach(a);
  board.detach(a);
  clock.advance(limits().resume_grace - 1ms);
  board.tick();
  EXPECT_EQ(board.find(a.id), &a);
  EXPECT_EQ(a.status, participant_status::waiting);
}

TEST_F(Switchboard, AttachWithinTheGraceCancelsIt) {
  auto& a = started(text);
  board.attach(a);
  board.detach(a);
  clock.advance(limits().resume_grace - 1ms);
  board.attach(a);
  clock.advance(limits().resume_grace + limits().rest_idle_timeout);
  board.tick();
  EXPECT_EQ(board.find_by_token_key(a.token_key), &a);
  EXPECT_FALSE(a.resume_deadline.has_value());
}

TEST_F(Switchboard, AttachedUserNeverIdlesOut) {
  auto& a = board.create();
  board.attach(a);
  for (int i = 0; i < 10; ++i) {
    clock.advance(limits().rest_idle_timeout);
    board.tick();
  }
  EXPECT_EQ(board.find(a.id), &a);
}

TEST_F(Switchboard, ResumeGraceIsMeasuredFromTheLastDetach) {
  auto& a = board.create();
  board.attach(a);
  board.detach(a);
  clock.advance(limits().resume_grace - 1s);
  board.attach(a);
  board.detach(a);
  clock.advance(limits().resume_grace - 1ms);
  board.tick();
  EXPECT_EQ(board.online(), 1u);
  clock.advance(1ms);
  board.tick();
  EXPECT_EQ(board.online(), 0u);
}

TEST_F(Switchboard, IdleRestUserTimesOut) {
  auto& a = board.create();
  const auto token = a.token_key;
  clock.advance(limits().rest_idle_timeout);
  board.tick();
  EXPECT_EQ(board.find_by_token_key(token), nullptr);
  ASSERT_EQ(recorded.ends().size(), 1u);
  EXPECT_EQ(recorded.ends()[0].reason, leave_reason::timeout);
}

TEST_F(Switchboard, RestUserIsKeptUntilTheIdleTimeout) {
  auto& a = board.create();
  clock.advance(limits().rest_idle_timeout - 1ms);
  board.tick();
  EXPECT_EQ(board.find(a.id), &a);
}

TEST_F(Switchboard, TouchKeepsARestUserAlive) {
  auto& a = board.create();
  for (int i = 0; i < 5; ++i) {
    clock.advance(limits().rest_idle_timeout - 1ms);
    board.touch(a);
    board.tick();
  }
  EXPECT_EQ(board.find(a.id), &a);
  clock.advance(limits().rest_idle_timeout);
  board.tick();
  EXPECT_EQ(board.online(), 0u);
}

TEST_F(Switchboard, AUserWaitingInALongPollIsNotIdle) {
  auto& a = board.create();
  board.begin_poll(a);
  clock.advance(limits().rest_idle_timeout * 3);
  board.tick();
  EXPECT_EQ(board.find(a.id), &a) << "polling is not being idle";
  // The idle clock starts again when the poll ends.
  board.end_poll(a);
  clock.advance(limits().rest_idle_timeout - 1ms);
  board.tick();
  EXPECT_EQ(board.find(a.id), &a);
  clock.advance(1ms);
  board.tick();
  EXPECT_EQ(board.online(), 0u);
}

TEST_F(Switchboard, IdleTimeoutTellsThePartnerTimeout) {
  auto [a, b] = matched_pair();
  board.attach(b);
  clock.advance(limits().rest_idle_timeout);
  board.tick();
  EXPECT_EQ(last_event(b)["type"], "partner_left");
  EXPECT_EQ(last_event(b)["reason"], "timeout");
  EXPECT_EQ(b.status, participant_status::ended);
}

TEST_F(Switchboard, TwoIdlePartnersTimeOutTogetherCleanly) {
  matched_pair();
  clock.advance(limits().rest_idle_timeout);
  board.tick();
  EXPECT_EQ(board.online(), 0u);
  EXPECT_EQ(board.chats(), 0u);
  EXPECT_EQ(board.waiting(text), 0u);
  EXPECT_EQ(recorded.ends().size(), 2u);
}

TEST_F(Switchboard, ManyUsersExpireInOneTick) {
  for (int i = 0; i < 7; ++i) started(i % 2 == 0 ? text : video, {"t" + std::to_string(i)});
  for (int i = 0; i < 4; ++i) board.create();
  clock.advance(limits().rest_idle_timeout);
  board.tick();
  EXPECT_EQ(board.online(), 0u);
  EXPECT_EQ(board.chats(), 0u);
  EXPECT_EQ(board.waiting(text) + board.waiting(video), 0u);
}

// --- Every exit path leaves nobody in a queue or a session --------------------

enum class exit_path { next, stop, end, start_again, resume_grace, rest_idle };

struct exit_case {
  const char* name;
  exit_path path;
  bool from_matched;      ///< the leaver was chatting (else waiting)
  std::size_t online;     ///< participants left
  std::size_t waiting;    ///< users in the text queue afterwards
  bool leaver_remains;
  bool leaver_waiting;
  const char* told;       ///< partner_left reason the partner sees (if matched)
};

void PrintTo(const exit_case& c, std::ostream* out) { *out << c.name; }

class SwitchboardExit : public Switchboard,
                           public ::testing::WithParamInterface<exit_case> {
protected:
  /// Makes the leaver leave by the path under test.
  void leave(participant& leaver) {
    switch (GetParam().path) {
      case exit_path::next: ASSERT_FALSE(board.next(leaver)); break;
      case exit_path::stop: board.stop(leaver); break;
      case exit_path::end: board.end(leaver, leave_reason::left); break;
      case exit_path::start_again: board.start(leaver, text, {}); break;
      case exit_path::resume_grace:
        board.attach(leaver);
        board.detach(leaver);
        clock.advance(limits().resume_grace);
        board.tick();
        break;
      case exit_path::rest_idle:
        clock.advance(limits().rest_idle_timeout);
        board.tick();
        break;
    }
  }

  /// The leaver (a REST user) and an attached bystander, set up as the case
  /// says: chatting with each other, or the leaver alone in the queue.
  struct scene {
    participant_id leaver;
    std::string token;
    participant* other;
  };
  scene set_up() {
    auto& leaver = started(text);
    auto& other = board.create();
    board.attach(other);  // never idles out: only the leaver may go
    if (GetParam().from_matched) board.start(other, text, {});
    EXPECT_EQ(board.chats(), GetParam().from_matched ? 1u : 0u);
    return {leaver.id, leaver.token_key, &other};
  }
};

TEST_P(SwitchboardExit, CountsAreRightAfterwards) {
  const auto s = set_up();
  leave(*board.find(s.leaver));
  const auto& c = GetParam();
  EXPECT_EQ(board.online(), c.online);
  EXPECT_EQ(board.waiting(text), c.waiting);
  EXPECT_EQ(board.waiting(video), 0u);
  EXPECT_EQ(board.chats(), 0u);
}

TEST_P(SwitchboardExit, LeaverIsGoneOrInTheExpectedState) {
  const auto s = set_up();
  leave(*board.find(s.leaver));
  const auto& c = GetParam();
  const auto* leaver = board.find_by_token_key(s.token);
  ASSERT_EQ(leaver != nullptr, c.leaver_remains);
  EXPECT_EQ(board.find(s.leaver) != nullptr, c.leaver_remains);
  if (leaver != nullptr) {
    EXPECT_EQ(leaver->status, c.leaver_waiting ? participant_status::waiting : participant_status::idle);
    EXPECT_EQ(leaver->partner, 0u);
  }
}

/// The same, for the exits from a chat only: there the partner must be told.
class SwitchboardChatExit : public SwitchboardExit {};

TEST_P(SwitchboardChatExit, PartnerIsToldWhyAndIsEnded) {
  ASSERT_TRUE(GetParam().from_matched);
  const auto s = set_up();
  leave(*board.find(s.leaver));
  const auto e = last_event(*s.other);
  EXPECT_EQ(e["type"], "partner_left");
  EXPECT_EQ(e["reason"], GetParam().told);
  EXPECT_EQ(s.other->status, participant_status::ended);
  EXPECT_EQ(s.other->partner, 0u);
}

TEST_P(SwitchboardExit, NewcomerMeetsOnlyWhoIsStillWaiting) {
  const auto s = set_up();
  leave(*board.find(s.leaver));
  const auto& newcomer = started(text);
  if (GetParam().leaver_waiting) {
    EXPECT_EQ(newcomer.partner, s.leaver);
  } else {
    EXPECT_EQ(newcomer.status, participant_status::waiting);  // nobody ghostly in the queue
  }
}

const exit_case chat_exits[] = {
    {"Next", exit_path::next, true, 2, 1, true, true, "next"},
    {"Stop", exit_path::stop, true, 2, 0, true, false, "left"},
    {"End", exit_path::end, true, 1, 0, false, false, "left"},
    {"StartAgain", exit_path::start_again, true, 2, 1, true, true, "left"},
    {"ResumeGrace", exit_path::resume_grace, true, 1, 0, false, false, "disconnected"},
    {"RestIdle", exit_path::rest_idle, true, 1, 0, false, false, "timeout"},
};
const exit_case queue_exits[] = {
    {"Next", exit_path::next, false, 2, 1, true, true, ""},
    {"Stop", exit_path::stop, false, 2, 0, true, false, ""},
    {"End", exit_path::end, false, 1, 0, false, false, ""},
    {"StartAgain", exit_path::start_again, false, 2, 1, true, true, ""},
    {"ResumeGrace", exit_path::resume_grace, false, 1, 0, false, false, ""},
    {"RestIdle", exit_path::rest_idle, false, 1, 0, false, false, ""},
};

std::string exit_name(const ::testing::TestParamInfo<exit_case>& info) { return info.param.name; }

// A gone leaver leaves only the bystander online; the one left behind is never
// re-queued, so the text queue holds only a leaver who queued again.
INSTANTIATE_TEST_SUITE_P(FromChat, SwitchboardExit, ::testing::ValuesIn(chat_exits), exit_name);
INSTANTIATE_TEST_SUITE_P(FromQueue, SwitchboardExit, ::testing::ValuesIn(queue_exits), exit_name);
INSTANTIATE_TEST_SUITE_P(FromChat, SwitchboardChatExit, ::testing::ValuesIn(chat_exits),
                         exit_name);

// --- Relaying ----------------------------------------------------------------

TEST_F(Switchboard, SendMessageWhenNotMatchedFailsNotMatched) {
  auto& idle = board.create();
  auto& waiting = started(video);
  auto [a, b] = matched_pair();
  board.stop(a);  // b is now ended
  for (auto* p : {&idle, &waiting, &a, &b}) {
    const auto refused = board.send_message(*p, "hello?");
    ASSERT_TRUE(refused) << to_string(p->status);
    EXPECT_EQ(refused->code, error_code::not_matched);
  }
  EXPECT_EQ(board.messages_relayed(), 0u);
}

TEST_F(Switchboard, SendTypingWhenNotMatchedFailsNotMatched) {
  auto& idle = board.create();
  auto& waiting = started(video);
  for (auto* p : {&idle, &waiting}) {
    const auto refused = board.send_typing(*p, true);
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->code, error_code::not_matched);
  }
}

TEST_F(Switchboard, SendSignalWhenNotMatchedFailsNotMatched) {
  auto& idle = board.create();
  auto& waiting = started(video);
  for (auto* p : {&idle, &waiting}) {
    const auto refused = board.send_signal(*p, R"({"type":"offer"})");
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->code, error_code::not_matched);
  }
  EXPECT_EQ(board.signals_relayed(), 0u);
}

TEST_F(Switchboard, RefusedSendsAddNoEvents) {
  auto& a = board.create();
  static_cast<void>(board.send_message(a, "x"));
  static_cast<void>(board.send_typing(a, true));
  static_cast<void>(board.send_signal(a, "{}"));
  EXPECT_TRUE(recorded.events().empty());
}

TEST_F(Switchboard, MessageGoesOnlyToThePartner) {
  auto [a, b] = matched_pair();
  auto [c, d] = matched_pair();
  recorded.clear();
  ASSERT_FALSE(board.send_message(a, "hi b"));
  ASSERT_EQ(recorded.events().size(), 1u);
  EXPECT_EQ(recorded.events()[0].id, b.id);
  EXPECT_EQ(last_event(a)["type"], "matched");
  EXPECT_EQ(last_event(c)["type"], "matched");
  EXPECT_EQ(last_event(d)["type"], "matched");
}

TEST_F(Switchboard, MessageEventCarriesTextFromStrangerAndClockTimestamp) {
  auto [a, b] = matched_pair();
  clock.set_unix_ms(1'234'567'890'123);
  const std::string text_sent = "caf\xC3\xA9 \xF0\x9F\x98\x80 \"quoted\"\n";
  ASSERT_FALSE(board.send_message(a, text_sent));
  const auto e = last_event(b);
  EXPECT_EQ(e["type"], "message");
  EXPECT_EQ(e["text"], text_sent);
  EXPECT_EQ(e["from"], "stranger");
  EXPECT_EQ(e["ts"], 1'234'567'890'123);
}

TEST_F(Switchboard, MessageEventHasOnlyTheDocumentedFields) {
  auto [a, b] = matched_pair();
  ASSERT_FALSE(board.send_message(a, "hi"));
  const auto e = last_event(b);
  std::set<std::string> keys;
  for (const auto& [key, value] : e.items()) keys.insert(key);
  EXPECT_EQ(keys, (std::set<std::string>{"type", "seq", "text", "from", "ts"}));
}

TEST_F(Switchboard, MessageTimestampFollowsTheClock) {
  auto [a, b] = matched_pair();
  ASSERT_FALSE(board.send_message(a, "first"));
  const auto first = last_event(b)["ts"].get<std::int64_t>();
  clock.advance(1500ms);
  ASSERT_FALSE(board.send_message(a, "second"));
  EXPECT_EQ(last_event(b)["ts"].get<std::int64_t>(), first + 1500);
}

TEST_F(Switchboard, MessagesFlowBothWays) {
  auto [a, b] = matched_pair();
  ASSERT_FALSE(board.send_message(a, "ping"));
  ASSERT_FALSE(board.send_message(b, "pong"));
  EXPECT_EQ(last_event(b)["text"], "ping");
  EXPECT_EQ(last_event(a)["text"], "pong");
  EXPECT_EQ(board.messages_relayed(), 2u);
}

TEST_F(Switchboard, TypingGoesToThePartner) {
  auto [a, b] = matched_pair();
  ASSERT_FALSE(board.send_typing(a, true));
  EXPECT_EQ(last_event(b)["type"], "typing");
  EXPECT_EQ(last_event(b)["active"], true);
  ASSERT_FALSE(board.send_typing(a, false));
  EXPECT_EQ(last_event(b)["active"], false);
  EXPECT_EQ(last_event(a)["type"], "matched");
}

TEST_F(Switchboard, SignalDataIsRelayedVerbatim) {
  auto [a, b] = matched_pair(video);
  const std::string data =
      R"({"type":"offer","sdp":"v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n","ice":[{"c":1.5e3}]})";
  ASSERT_FALSE(board.send_signal(a, data));
  // The exact bytes, not a re-serialisation.
  const auto kept = board.events_after(b, 0);
  EXPECT_EQ(std::get<signal_event>(*kept.back().body).data, data);
  const auto e = last_event(b);
  EXPECT_EQ(e["type"], "signal");
  EXPECT_EQ(e["data"], json::parse(data));
  EXPECT_EQ(last_event(a)["type"], "matched");
  EXPECT_EQ(board.signals_relayed(), 1u);
}

TEST_F(Switchboard, NoEventsReachAFormerPartner) {
  auto [a, b] = matched_pair();
  board.stop(a);
  auto& d = started(text);
  board.start(a, text, {});
  ASSERT_EQ(a.partner, d.id);
  const auto before = event_count(b);
  ASSERT_FALSE(board.send_message(a, "hi d"));
  EXPECT_EQ(event_count(b), before);
  EXPECT_EQ(last_event(d)["text"], "hi d");
}

// --- Mailbox -----------------------------------------------------------------

TEST_F(Switchboard, EventsAfterReturnsOnlyNewerEvents) {
  auto [a, b] = matched_pair();
  for (const auto* m : {"one", "two", "three"}) ASSERT_FALSE(board.send_message(a, m));
  const auto after = board.events_after(b, 2);  // skip matched(1) and "one"(2)
  ASSERT_EQ(after.size(), 2u);
  EXPECT_EQ(after[0].seq, 3u);
  EXPECT_EQ(after[1].seq, 4u);
  EXPECT_EQ(testing::event_json(after[0])["text"], "two");
}

TEST_F(Switchboard, EventsAfterZeroReturnsEverything) {
  auto [a, b] = matched_pair();
  ASSERT_FALSE(board.send_message(a, "one"));
  EXPECT_EQ(board.events_after(b, 0).size(), 2u);
}

TEST_F(Switchboard, EventsAfterTheLastSeqIsEmpty) {
  auto [a, b] = matched_pair();
  ASSERT_FALSE(board.send_message(a, "one"));
  EXPECT_TRUE(board.events_after(b, b.last_seq).empty());
  EXPECT_TRUE(board.events_after(b, b.last_seq + 100).empty());
}

TEST_F(Switchboard, MailboxKeepsAtMostMailboxLimitEvents) {
  auto [a, b] = matched_pair();
  const auto limit = limits().mailbox_limit;
  ASSERT_EQ(limit, 256u);
  for (std::size_t i = 0; i < limit + 10; ++i) {
    ASSERT_FALSE(board.send_message(a, "m" + std::to_string(i)));
  }
  EXPECT_EQ(b.mailbox.size(), limit);
  EXPECT_EQ(board.events_after(b, 0).size(), limit);
}

TEST_F(Switchboard, MailboxDropsTheOldestEvents) {
  auto [a, b] = matched_pair();
  const auto limit = limits().mailbox_limit;
  const auto sent = limit + 10;
  for (std::size_t i = 0; i < sent; ++i) {
    ASSERT_FALSE(board.send_message(a, "m" + std::to_string(i)));
  }
  const auto kept = board.events_after(b, 0);
  const auto total = sent + 1;  // plus the matched event
  ASSERT_EQ(kept.size(), limit);
  EXPECT_EQ(kept.front().seq, total - limit + 1);
  EXPECT_EQ(kept.back().seq, total);
  for (std::size_t i = 1; i < kept.size(); ++i) EXPECT_EQ(kept[i].seq, kept[i - 1].seq + 1);
  EXPECT_EQ(testing::event_json(kept.back())["text"], "m" + std::to_string(sent - 1));
}

TEST_F(Switchboard, EventsAfterAnEvictedSeqReturnsWhatIsKept) {
  auto [a, b] = matched_pair();
  const auto limit = limits().mailbox_limit;
  for (std::size_t i = 0; i < limit * 2; ++i) ASSERT_FALSE(board.send_message(a, "m"));
  EXPECT_EQ(board.events_after(b, 3).size(), limit);
  EXPECT_EQ(board.events_after(b, b.last_seq - 5).size(), 5u);
}

TEST_F(Switchboard, SmallMailboxLimitIsHonoured) {
  chat_limits tiny;
  tiny.mailbox_limit = 2;
  switchboard manager{tiny, clock, tokens};
  auto& a = manager.create();
  auto& b = manager.create();
  manager.start(a, text, {});
  manager.start(b, text, {});
  for (const auto* m : {"1", "2", "3"}) ASSERT_FALSE(manager.send_message(a, m));
  const auto kept = manager.events_after(b, 0);
  ASSERT_EQ(kept.size(), 2u);
  EXPECT_EQ(kept[0].seq, 3u);
  EXPECT_EQ(kept[1].seq, 4u);
}

TEST_F(Switchboard, MarkDeliveredTracksTheDeliveredSeq) {
  auto [a, b] = matched_pair();
  ASSERT_FALSE(board.send_message(a, "one"));
  EXPECT_EQ(b.delivered_seq, 0u);
  board.mark_delivered(b, 1);
  EXPECT_EQ(b.delivered_seq, 1u);
  board.mark_delivered(b, 2);
  EXPECT_EQ(b.delivered_seq, 2u);
}

TEST_F(Switchboard, MarkDeliveredNeverGoesBack) {
  auto [a, b] = matched_pair();
  ASSERT_FALSE(board.send_message(a, "one"));
  board.mark_delivered(b, 2);
  board.mark_delivered(b, 1);
  EXPECT_EQ(b.delivered_seq, 2u);
}

TEST_F(Switchboard, EventsSurviveAStopSoTheyCanBeReplayed) {
  auto [a, b] = matched_pair();
  ASSERT_FALSE(board.send_message(a, "bye"));
  board.stop(a);
  const auto events = mailbox(b);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[1]["text"], "bye");
  EXPECT_EQ(events[2]["type"], "partner_left");
}

// --- Status names ------------------------------------------------------------

TEST(ParticipantStatus, NamesAreTheProtocolStatuses) {
  EXPECT_EQ(to_string(participant_status::idle), "idle");
  EXPECT_EQ(to_string(participant_status::waiting), "waiting");
  EXPECT_EQ(to_string(participant_status::matched), "matched");
  EXPECT_EQ(to_string(participant_status::ended), "ended");
}

TEST(LeaveReason, NamesAreTheProtocolReasons) {
  EXPECT_EQ(to_string(leave_reason::left), "left");
  EXPECT_EQ(to_string(leave_reason::next), "next");
  EXPECT_EQ(to_string(leave_reason::disconnected), "disconnected");
  EXPECT_EQ(to_string(leave_reason::timeout), "timeout");
}

}  // namespace
}  // namespace parley
