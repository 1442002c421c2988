// The chat service as a cluster runs it: several instances, each with its own
// switchboard, fed the same entries in one order. The order here is a vector
// in memory (the real one is a Redis stream, tested in tests/cluster).

#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "fake_channel.hpp"

#include "parley/app/chat_service.hpp"
#include "parley/app/log_clock.hpp"
#include "parley/crypto/keyed_token_source.hpp"


namespace parley {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

using testing::counting_waiter;
using testing::fake_channel;

client_command command(command_body body) { return {std::move(body), std::nullopt}; }

/// One order for every instance, and the time it gives each entry.
class shared_order {
public:
  struct instance;

  /// One instance's side of the order.
  class member final : public command_sequencer {
  public:
    member(shared_order& order, std::string name) : order_(order), name_(std::move(name)) {}
    void submit(const log_entry& entry, std::function<void()> refused) override {
      if (order_.down) return refused();
      order_.queue.push_back(entry);
    }
    const std::string& instance() const override { return name_; }
    void share_state(const std::string& key, const service_state& state) override {
      order_.snapshots.emplace(key, state);  // the first copy is the one, as with SET NX
    }

  private:
    shared_order& order_;
    std::string name_;
  };

  struct instance {
    instance(shared_order& order, std::string name, std::uint32_t tag)
        : sequencer(order, std::move(name)),
          chat_ids("cluster-secret"),
          service(chat_limits{}, clock, tokens, nullptr, "cluster-secret", &chat_ids) {
      service.use_sequencer(sequencer, tag);
    }
    member sequencer;
    log_clock clock;
    random_token_source tokens;  // as in production: instances draw apart
    keyed_token_source chat_ids;
    chat_service service;
    bool alive = true;
  };

  instance& add(std::string name, std::uint32_t tag) {
    instances.push_back(std::make_unique<instance>(*this, std::move(name), tag));
    return *instances.back();
  }

  /// Applies every queued entry, in order, to every live instance.
  void pump() {
    while (!queue.empty()) {
      const auto entry = queue.front();
      queue.pop_front();
      ++applied;
      for (auto& i : instances) {
        if (!i->alive) continue;
        i->clock.set(now_ms);
        i->chat_ids.reseed(std::to_string(applied));
        i->service.apply_entry(entry);
      }
    }
  }
  /// Every live instance ticks (and the entries are applied).
  void tick_all() {
    for (auto& i : instances) {
      if (i->alive) i->service.tick();
    }
    pump();
  }
  void advance(std::chrono::milliseconds by) { now_ms += by.count(); }

  std::deque<log_entry> queue;
  std::map<std::string, service_state> snapshots;
  std::vector<std::unique_ptr<instance>> instances;
  std::int64_t now_ms = 1'800'000'000'000;
  std::uint64_t applied = 0;
  bool down = false;
};

class ChatServiceCluster : public ::testing::Test {
protected:
  shared_order order;
  shared_order::instance& a = order.add("instance-a", 1);
  shared_order::instance& b = order.add("instance-b", 2);

  struct user {
    fake_channel channel;
    participant_id id = 0;
    std::string token() const { return channel.of_type("hello").at(0)["token"]; }
  };
  void open(shared_order::instance& on, user& u) {
    u.id = on.service.open(u.channel, "addr");
    order.pump();
  }
  void start(shared_order::instance& on, user& u, chat_type type = chat_type::text) {
    on.service.handle(u.id, u.channel, command(start_command{type, {}}));
    order.pump();
  }
};

TEST_F(ChatServiceCluster, HelloComesOnceTheIdentityIsOrdered) {
  user u;
  u.id = a.service.open(u.channel, "addr");
  EXPECT_TRUE(u.channel.frames.empty()) << "nothing before the order says so";
  order.pump();
  ASSERT_EQ(u.channel.of_type("hello").size(), 1u);
  // Every instance knows the identity and its token (by its keyed hash).
  EXPECT_EQ(std::get<participant_id>(b.service.authenticate(u.token())), u.id);
  EXPECT_EQ(b.service.board().online(), 1u);
}

TEST_F(ChatServiceCluster, PartnersOnDifferentInstancesChatAsOnOne) {
  user x, y;
  open(a, x);
  open(b, y);
  start(a, x);
  start(b, y);
  ASSERT_EQ(x.channel.of_type("matched").size(), 1u);
  ASSERT_EQ(y.channel.of_type("matched").size(), 1u);
  const auto mx = x.channel.of_type("matched")[0];
  const auto my = y.channel.of_type("matched")[0];
  EXPECT_EQ(mx["session_id"], my["session_id"]);
  EXPECT_NE(mx["initiator"], my["initiator"]) << "exactly one initiator";

  b.service.handle(y.id, y.channel, command(message_command{"hi from b"}));
  b.service.handle(y.id, y.channel, command(signal_command{R"({"type":"offer","sdp":"v=0"})"}));
  a.service.handle(x.id, x.channel, command(message_command{"hi from a"}));
  order.pump();
  const auto got = x.channel.of_type("message");
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0]["text"], "hi from b");
  EXPECT_EQ(x.channel.of_type("signal").at(0)["data"]["type"], "offer");
  EXPECT_EQ(y.channel.of_type("message").at(0)["text"], "hi from a");
  // Consecutive seq, nothing twice.
  EXPECT_EQ(x.channel.of_type("signal")[0]["seq"].get<int>(), got[0]["seq"].get<int>() + 1);

  // Both instances hold the same state.
  for (auto* i : {&a, &b}) {
    EXPECT_EQ(i->service.board().chats(), 1u);
    EXPECT_EQ(i->service.board().find(x.id)->partner, y.id);
    EXPECT_EQ(i->service.board().find(y.id)->partner, x.id);
  }

  b.service.handle(y.id, y.channel, command(next_command{}));
  order.pump();
  EXPECT_EQ(x.channel.of_type("partner_left").at(0)["reason"], "next");
}

TEST_F(ChatServiceCluster, RestAnswersComeWhenTheCommandIsAppliedOnAnyInstance) {
  std::optional<chat_service::rest_result> started;
  a.service.handle(std::nullopt, command(start_command{}), "addr",
                   [&](chat_service::rest_result r) { started = std::move(r); });
  EXPECT_FALSE(started) << "answered only once ordered";
  order.pump();
  ASSERT_TRUE(started);
  ASSERT_FALSE(started->refused);
  ASSERT_FALSE(started->token.empty());

  // The same token works on the other instance (a round-robin balancer).
  const auto who = b.service.authenticate(started->token);
  ASSERT_TRUE(std::holds_alternative<participant_id>(who));
  EXPECT_EQ(std::get<participant_id>(who), started->caller);
}

TEST_F(ChatServiceCluster, ALongPollOnOneInstanceIsWokenBySendingThroughAnother) {
  std::optional<chat_service::rest_result> rest;
  a.service.handle(std::nullopt, command(start_command{}), "addr",
                   [&](chat_service::rest_result r) { rest = std::move(r); });
  order.pump();
  user y;
  open(b, y);
  start(b, y);
  counting_waiter poll;
  a.service.begin_wait(rest->caller, poll);
  const auto before = poll.wakes;
  b.service.handle(y.id, y.channel, command(message_command{"wake up"}));
  order.pump();
  EXPECT_GT(poll.wakes, before);
  const auto body = json::parse(*a.service.receive_body(rest->caller, 1));
  EXPECT_EQ(body["events"].at(0)["text"], "wake up");
  a.service.end_wait(rest->caller, poll);
}

TEST_F(ChatServiceCluster, AWebSocketResumesOnAnotherInstanceWithItsMissedEventsOnce) {
  user x, y;
  open(a, x);
  open(b, y);
  start(a, x);
  start(b, y);
  a.service.close(x.id, x.channel, channel_end::dropped);
  order.pump();
  b.service.handle(y.id, y.channel, command(message_command{"while you were away"}));
  order.pump();

  user again;
  open(b, again);
  const auto since = x.channel.of_type("matched")[0]["seq"].get<std::uint64_t>();
  EXPECT_EQ(b.service.handle(again.id, again.channel, command(resume_command{x.token(), since})),
            x.id);
  order.pump();
  ASSERT_EQ(again.channel.of_type("resumed").size(), 1u);
  ASSERT_EQ(again.channel.of_type("message").size(), 1u);
  EXPECT_EQ(again.channel.of_type("message")[0]["text"], "while you were away");
  // Same partner, on both instances; the socket's own identity is gone.
  EXPECT_EQ(a.service.board().find(x.id)->partner, y.id);
  EXPECT_EQ(a.service.board().find(again.id), nullptr);
  EXPECT_TRUE(y.channel.of_type("partner_left").empty()) << "the partner noticed nothing";
}

TEST_F(ChatServiceCluster, ADeadInstancesSocketsDropAndTheirPartnersAreToldAfterTheGrace) {
  user x, y;
  open(a, x);
  open(b, y);
  start(a, x);
  start(b, y);
  order.tick_all();
  a.alive = false;  // SIGKILL: no goodbye, no more ticks
  // b keeps ticking; after the lease (5 s), x counts as dropped, then the grace runs.
  for (int i = 0; i < 4 * 6; ++i) {
    order.advance(250ms);
    order.tick_all();
  }
  EXPECT_FALSE(b.service.board().find(x.id)->attached);
  EXPECT_TRUE(y.channel.of_type("partner_left").empty()) << "still within the grace";
  EXPECT_EQ(b.service.cluster_instances(), 1u);
  for (int i = 0; i < 4 * 25 && y.channel.of_type("partner_left").empty(); ++i) {
    order.advance(250ms);
    order.tick_all();
  }
  ASSERT_EQ(y.channel.of_type("partner_left").size(), 1u);
  EXPECT_EQ(y.channel.of_type("partner_left")[0]["reason"], "disconnected");
}

TEST_F(ChatServiceCluster, AnInstanceBackFromAStallHasItsSocketsAttachedAgain) {
  user x, y;
  open(a, x);
  open(b, y);
  start(a, x);
  start(b, y);
  order.tick_all();
  a.alive = false;  // a stalls for 6 s (a loop blocked, a paused VM)...
  for (int i = 0; i < 4 * 6; ++i) {
    order.advance(250ms);
    order.tick_all();
  }
  ASSERT_FALSE(b.service.board().find(x.id)->attached) << "taken for dead";
  a.alive = true;  // ...and comes back, its socket still open
  order.advance(250ms);
  order.tick_all();
  EXPECT_TRUE(b.service.board().find(x.id)->attached);
  for (int i = 0; i < 4 * 15; ++i) {  // past the resume grace
    order.advance(250ms);
    order.tick_all();
  }
  EXPECT_TRUE(y.channel.of_type("partner_left").empty()) << "nobody was told anything";
  EXPECT_EQ(b.service.board().find(y.id)->partner, x.id);
}

TEST_F(ChatServiceCluster, AnOutageOfTheOrderTakesNobodyForDead) {
  user x, y;
  open(a, x);
  open(b, y);
  start(a, x);
  start(b, y);
  order.tick_all();
  order.down = true;  // Redis unreachable for 10 s: nobody's ticks get through
  for (int i = 0; i < 40; ++i) {
    order.advance(250ms);
    order.tick_all();
  }
  order.down = false;
  for (int i = 0; i < 4; ++i) {
    order.advance(250ms);
    order.tick_all();
  }
  for (auto* i : {&a, &b}) {
    EXPECT_TRUE(i->service.board().find(x.id)->attached);
    EXPECT_TRUE(i->service.board().find(y.id)->attached);
    EXPECT_EQ(i->service.cluster_instances(), 2u);
  }
  EXPECT_TRUE(y.channel.of_type("partner_left").empty());
}

TEST_F(ChatServiceCluster, WhileTheOrderIsDownEveryChangeIsRefusedAsUnavailable) {
  user x;
  open(a, x);
  order.down = true;
  a.service.handle(x.id, x.channel, command(start_command{}));
  ASSERT_FALSE(x.channel.of_type("error").empty());
  EXPECT_EQ(x.channel.of_type("error").back()["code"], "unavailable");
  std::optional<chat_service::rest_result> rest;
  b.service.handle(std::nullopt, command(start_command{}), "addr",
                   [&](chat_service::rest_result r) { rest = std::move(r); });
  ASSERT_TRUE(rest);
  ASSERT_TRUE(rest->refused);
  EXPECT_EQ(rest->refused->code, error_code::unavailable);

  order.down = false;  // back: the same commands work again
  a.service.handle(x.id, x.channel, command(start_command{}));
  order.pump();
  EXPECT_EQ(x.channel.of_type("waiting").size(), 1u);
}

TEST_F(ChatServiceCluster, ManyUsersOnThreeInstancesEndInConsistentPairs) {
  auto& c = order.add("instance-c", 3);
  std::vector<std::unique_ptr<user>> users;
  std::vector<shared_order::instance*> on;
  for (int i = 0; i < 300; ++i) {
    auto& where = i % 3 == 0 ? a : (i % 3 == 1 ? b : c);
    users.push_back(std::make_unique<user>());
    users.back()->id = where.service.open(users.back()->channel, "addr");
    on.push_back(&where);
  }
  order.pump();
  // Everyone starts "at once": every instance submits before anything is applied.
  const std::vector<std::vector<std::string>> interests = {{}, {"music"}, {"chess"}, {"music", "go"}};
  for (std::size_t i = 0; i < users.size(); ++i) {
    on[i]->service.handle(users[i]->id, users[i]->channel,
                          command(start_command{chat_type::text, interests[i % interests.size()]}));
  }
  order.pump();
  for (int t = 0; t < 40; ++t) {  // past the interest fallback
    order.advance(250ms);
    order.tick_all();
  }
  std::size_t matched = 0;
  for (std::size_t i = 0; i < users.size(); ++i) {
    const auto* p = a.service.board().find(users[i]->id);
    ASSERT_NE(p, nullptr);
    const auto matches = users[i]->channel.of_type("matched");
    ASSERT_LE(matches.size(), 1u) << "at most one chat";
    if (p->status != participant_status::matched) continue;
    ++matched;
    ASSERT_NE(p->partner, p->id) << "never with itself";
    const auto* partner = a.service.board().find(p->partner);
    ASSERT_EQ(partner->partner, p->id) << "partners have each other";
    EXPECT_NE(p->initiator, partner->initiator) << "one initiator per chat";
    for (auto* i2 : {&b, &c}) {  // every instance decided the same
      EXPECT_EQ(i2->service.board().find(p->id)->partner, p->partner);
      EXPECT_EQ(i2->service.board().find(p->id)->chat_id, p->chat_id);
    }
  }
  EXPECT_EQ(matched, users.size()) << "an even number of users, all matched after the fallback";
}

TEST_F(ChatServiceCluster, AnOperatorsBanAndItsLiftReachEveryInstance) {
  user x, y;
  x.id = a.service.open(x.channel, "addr-x");
  y.id = b.service.open(y.channel, "addr-y");
  order.pump();
  start(a, x);
  start(b, y);
  ASSERT_EQ(x.channel.of_type("matched").size(), 1u);

  // Asked on instance b for a user held by a: answered once ordered.
  std::optional<std::variant<ban, failure>> made;
  b.service.impose_ban(ban_entry{{}, a.service.board().find(x.id)->user_id, "abuse", 600},
                [&made](std::variant<ban, failure> r) { made = std::move(r); });
  EXPECT_FALSE(made) << "no answer before the order applies it";
  order.pump();
  ASSERT_TRUE(made);
  ASSERT_TRUE(std::holds_alternative<ban>(*made));
  const auto id = std::get<ban>(*made).id;
  for (auto* i : {&a, &b}) {  // the same ban, with the same id, everywhere
    ASSERT_EQ(i->service.safety().bans().list().size(), 1u);
    EXPECT_EQ(i->service.safety().bans().list()[0].id, id);
    EXPECT_TRUE(i->service.ban_remaining("addr-x"));
    EXPECT_EQ(i->service.board().find(x.id), nullptr) << "its participant ended everywhere";
  }
  EXPECT_EQ(x.channel.of_type("error").at(0)["code"], "banned");
  EXPECT_EQ(y.channel.of_type("partner_left").size(), 1u);

  // Lifted through a: gone on b too; lifting it again finds nothing.
  std::optional<bool> lifted;
  a.service.lift_ban(id, [&lifted](bool l) { lifted = l; });
  order.pump();
  EXPECT_EQ(lifted, true);
  for (auto* i : {&a, &b}) EXPECT_FALSE(i->service.ban_remaining("addr-x"));
  b.service.lift_ban(id, [&lifted](bool l) { lifted = l; });
  order.pump();
  EXPECT_EQ(lifted, false);

  // A user id nobody holds: refused as not_found, nothing banned.
  b.service.impose_ban(ban_entry{{}, "nobody", "x", 60}, [&made](std::variant<ban, failure> r) { made = std::move(r); });
  order.pump();
  ASSERT_TRUE(std::holds_alternative<failure>(*made));
  EXPECT_EQ(std::get<failure>(*made).code, error_code::not_found);
  EXPECT_TRUE(a.service.safety().bans().list().empty());
}

TEST_F(ChatServiceCluster, AnInstanceThatStartsLateLoadsASnapshotAndHoldsTheSameState) {
  // Before it starts: a chat with messages, a waiting user with interests,
  // a REST user, a ban, a block (kept apart), a user whose socket dropped.
  user x, y, w, gone;
  open(a, x);
  open(b, y);
  start(a, x);
  start(b, y);
  a.service.handle(x.id, x.channel, command(message_command{"before the late one"}));
  open(b, w);
  b.service.handle(w.id, w.channel, command(start_command{chat_type::video, {"chess"}}));
  open(a, gone);
  chat_service::rest_result rest;
  a.service.handle(std::nullopt, command(start_command{chat_type::video, {}}), "addr-r",
                   [&rest](chat_service::rest_result r) { rest = std::move(r); });
  order.pump();
  ASSERT_FALSE(rest.token.empty());
  a.service.impose_ban(ban_entry{"addr-banned", {}, "abuse", 600}, [](auto) {});
  a.service.close(gone.id, gone.channel, channel_end::dropped);
  order.advance(1s);
  order.tick_all();

  // The late instance asks; the running ones share their state at that point.
  auto& late = order.add("instance-late", 9);
  late.alive = false;
  late.sequencer.submit({"instance-late", 0, snapshot_entry{"snap-1"}}, [] {});
  order.pump();
  ASSERT_EQ(order.snapshots.count("snap-1"), 1u);
  late.service.restore_state(order.snapshots.at("snap-1"));
  late.alive = true;
  // What comes after the request (held back by the real sequencer until the
  // snapshot is loaded) is applied there too.
  b.service.handle(y.id, y.channel, command(message_command{"after the request"}));
  order.pump();
  EXPECT_EQ(x.channel.of_type("message").at(0)["text"], "after the request");

  for (auto* p : {&x, &y, &w, &gone}) {
    const auto* mine = a.service.board().find(p->id);
    const auto* theirs = late.service.board().find(p->id);
    ASSERT_NE(theirs, nullptr);
    EXPECT_EQ(theirs->status, mine->status);
    EXPECT_EQ(theirs->partner, mine->partner);
    EXPECT_EQ(theirs->chat_id, mine->chat_id);
    EXPECT_EQ(theirs->last_seq, mine->last_seq);
    EXPECT_EQ(theirs->interests, mine->interests);
    EXPECT_EQ(theirs->resume_deadline, mine->resume_deadline);
    EXPECT_EQ(late.service.board().events_after(*theirs, 0).size(),
              a.service.board().events_after(*mine, 0).size());
  }
  EXPECT_EQ(late.service.board().online(), a.service.board().online());
  EXPECT_EQ(late.service.board().waiting(chat_type::video), 2u) << "w and the REST user, in order";
  EXPECT_EQ(late.service.board().chats(), 1u);
  EXPECT_TRUE(late.service.ban_remaining("addr-banned"));
  EXPECT_EQ(late.service.safety().bans().list().at(0).id, a.service.safety().bans().list().at(0).id);
  EXPECT_EQ(late.service.cluster_instances(), a.service.cluster_instances());
  // Tokens work there: the REST user authenticates on the late instance.
  EXPECT_EQ(std::get<participant_id>(late.service.authenticate(rest.token)), rest.caller);

  // The dropped user resumes on the late instance: same chat state, its
  // events replayed there.
  fake_channel again;
  const auto fresh = late.service.open(again, "addr-g");
  order.pump();
  late.service.handle(fresh, again, command(resume_command{gone.token(), 0}));
  order.pump();
  ASSERT_EQ(again.of_type("resumed").size(), 1u);
  for (auto* i : {&a, &b, &late}) EXPECT_TRUE(i->service.board().find(gone.id)->attached);

  // And the queue goes on identically: a new user without interests on the
  // late instance is matched with the REST user (w still waits for someone
  // who likes chess), on every instance alike.
  user z;
  open(late, z);
  late.service.handle(z.id, z.channel, command(start_command{chat_type::video, {}}));
  order.pump();
  ASSERT_EQ(z.channel.of_type("matched").size(), 1u);
  EXPECT_TRUE(w.channel.of_type("matched").empty());
  for (auto* i : {&a, &b, &late}) {
    EXPECT_EQ(i->service.board().find(z.id)->partner, rest.caller);
    EXPECT_EQ(i->service.board().waiting(chat_type::video), 1u);
  }
}

TEST_F(ChatServiceCluster, AnInstanceThatFellBehindReloadsAndLetsItsSocketsGoForAResume) {
  user x, y, moved;
  open(a, x);
  open(b, y);
  open(b, moved);
  start(a, x);
  start(b, y);
  // b stops applying (a stall past the log's length): what happens meanwhile
  // never reaches it.
  b.alive = false;
  a.service.handle(x.id, x.channel, command(message_command{"while b was behind"}));
  fake_channel elsewhere;  // `moved` resumes on a
  const auto fresh = a.service.open(elsewhere, "addr");
  order.pump();
  a.service.handle(fresh, elsewhere, command(resume_command{moved.token(), 0}));
  order.pump();
  ASSERT_EQ(elsewhere.of_type("resumed").size(), 1u);
  EXPECT_TRUE(y.channel.of_type("message").empty()) << "lost by b";

  // b reloads from a snapshot.
  b.service.restore_state(a.service.save_state());
  b.alive = true;
  EXPECT_EQ(moved.channel.releases, std::vector<channel_release>{channel_release::replaced});
  EXPECT_EQ(y.channel.releases, std::vector<channel_release>{channel_release::resync});
  order.pump();  // b's socket of y counts as dropped everywhere: y may resume
  for (auto* i : {&a, &b}) {
    const auto* p = i->service.board().find(y.id);
    ASSERT_NE(p, nullptr);
    EXPECT_FALSE(p->attached);
    EXPECT_TRUE(p->resume_deadline);
  }
  // y resumes (on b) and gets the message it missed, once.
  fake_channel back;
  const auto again = b.service.open(back, "addr");
  order.pump();
  b.service.handle(again, back, command(resume_command{y.token(), 1}));
  order.pump();
  ASSERT_EQ(back.of_type("message").size(), 1u);
  EXPECT_EQ(back.of_type("message")[0]["text"], "while b was behind");
}

}  // namespace
}  // namespace parley
