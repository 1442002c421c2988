#include "relay_scenario.hpp"

#include "client_fleet.hpp"
#include "latency_histogram.hpp"
#include "loop_runner.hpp"
#include "process_stats.hpp"
#include "server_cpu.hpp"
#include "signal_payload.hpp"
#include "start_frame.hpp"
#include "syscall_counter.hpp"

#include <boost/asio/steady_timer.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <memory>
#include <unordered_map>

namespace parley::bench {

namespace {

constexpr std::size_t no_partner = SIZE_MAX;

/// What the generator knows about one client during the relay.
struct relay_peer {
    std::size_t partner = no_partner;
    bool initiator = false;       // sends the offer; the other side the answer
    bool matched = false;
    std::uint64_t sent = 0;       // signals sent so far (also the next sequence number)
    std::uint64_t received = 0;   // next sequence number expected from the partner
};

class relay_run {
public:
    explicit relay_run(bench_options const& opts)
        : opts_(opts),
          deadline_(bench_clock::now() + std::chrono::duration_cast<bench_clock::duration>(
                                             std::chrono::duration<double>(opts.duration_limit_s))),
          fleet_(ioc_, make_server_address(opts), opts.target, opts.connect_concurrency),
          peers_(2 * opts.pairs),
          pacer_(ioc_),
          report_("relay", to_string(opts.target)) {
        report_.param("pairs", opts.pairs);
        report_.param("messages", opts.messages);
        report_.param("window", opts.window);
        report_.param("rate", opts.rate);
        if (opts.port_b != 0) report_.param("port_b", opts.port_b);
        if (opts.paired_interests) report_.param("paired_interests", 1);
        fleet_.set_second_address(make_second_address(opts));
    }

    scenario_report run() {
        if (pair_up()) relay();
        fleet_.shut_down(bench_clock::now() + std::chrono::seconds(5));
        return std::move(report_);
    }

private:
    std::size_t client_count() const { return peers_.size(); }
    std::uint64_t expected_total() const { return client_count() * opts_.messages; }

    // Phase 1: every client connected and paired with exactly one other.
    bool pair_up() {
        auto const begin = bench_clock::now();
        bool const parley = opts_.target == target_kind::parley;
        fleet_.open(client_count(), [this, parley](ws_client& client) {
            if (!parley) return;
            client.set_message_handler([this](ws_client& c, std::string_view frame) { on_pairing_frame(c, frame); });
            client.send(start_frame(opts_, client.index()));
        });
        run_until(ioc_, deadline_, [&] {
            return !errors_.empty() || (fleet_.settled() && (fleet_.failed() > 0 || !parley || matched_ == client_count()));
        });
        report_.metric("connect_and_match_s", seconds_since(begin), "s", "connect + match");
        if (opts_.port_b != 0)
            report_.metric("cross_instance_pairs", cross_instance_pairs_, "", "pairs with partners on different instances");
        if (fleet_.failed() > 0) errors_.push_back(std::to_string(fleet_.failed()) + " connections failed, e.g. " + fleet_.last_error());
        if (!parley && fleet_.ready() == client_count())
            for (std::size_t i = 0; i < client_count(); ++i) {
                // The yardstick pairs connection 2i with 2i+1.
                peers_[i].partner = i ^ 1;
                peers_[i].initiator = (i % 2 == 0);
            }
        if (parley && matched_ != client_count() && errors_.empty())
            errors_.push_back("only " + std::to_string(matched_) + " of " + std::to_string(client_count()) +
                              " clients matched before the deadline");
        return finish_errors();
    }

    void on_pairing_frame(ws_client& client, std::string_view frame) {
        auto const json = nlohmann::json::parse(frame, nullptr, false);
        if (json.is_discarded() || !json.is_object()) return unexpected(frame);
        auto const type = json.value("type", "");
        if (type == "waiting" || type == "online") return;
        if (type != "matched") return unexpected(frame);
        relay_peer& self = peers_[client.index()];
        if (self.matched) return unexpected(frame);
        self.matched = true;
        self.initiator = json.value("initiator", false);
        ++matched_;
        auto const session = json.value("session_id", "");
        auto const [it, first] = sessions_.try_emplace(session, client.index());
        if (first) return;
        // Both halves of the session are ours: link them.
        std::size_t const other = it->second;
        if (peers_[other].partner != no_partner || other == client.index()) return unexpected(frame);
        self.partner = other;
        peers_[other].partner = client.index();
        if (self.initiator == peers_[other].initiator)
            errors_.push_back("session " + session + " has " + (self.initiator ? "two initiators" : "no initiator"));
        if (opts_.paired_interests && other != (client.index() ^ 1))
            errors_.push_back("--paired-interests: client " + std::to_string(client.index()) + " was matched with " +
                              std::to_string(other));
        if (instance_of(opts_, other) != instance_of(opts_, client.index())) ++cross_instance_pairs_;
    }

    // Phase 2: the relay itself.
    void relay() {
        for (std::size_t i = 0; i < client_count(); ++i) {
            if (peers_[i].partner == no_partner) {
                errors_.push_back("client " + std::to_string(i) + " has no partner");
                finish_errors();
                return;
            }
            fleet_[i].set_message_handler([this](ws_client& c, std::string_view frame) { on_relay_frame(c, frame); });
        }
        syscall_counter syscalls(opts_.server_pid);
        auto const cpu_before = read_server_cpu(opts_);
        auto const each_before = read_each_server_cpu(opts_);
        auto const own_before = own_cpu_times();
        start_ns_ = now_ns();
        last_receipt_ns_ = start_ns_;
        if (opts_.rate > 0) {
            pace();
        } else {
            for (std::size_t i = 0; i < client_count(); ++i) fill_window(i);
        }
        bool const complete = run_until(ioc_, deadline_, [this] { return delivered_ + lost_ >= expected_total() || misrouted_ > 0; });
        pacer_.cancel();
        auto const cpu_after = read_server_cpu(opts_);
        auto const each_after = read_each_server_cpu(opts_);
        auto const own_after = own_cpu_times();
        auto const server_syscalls = syscalls.stop();

        double const elapsed = static_cast<double>(last_receipt_ns_ - start_ns_) / 1e9;
        // Whatever did not arrive by the end is lost.
        std::uint64_t missing = 0;
        for (auto const& peer : peers_) missing += opts_.messages - std::min<std::uint64_t>(peer.received, opts_.messages);
        lost_ = std::max(lost_, missing);

        report_.metric("sent", sent_total_, "", "signals sent");
        report_.metric("delivered", delivered_, "", "signals delivered");
        report_.metric("elapsed_s", elapsed, "s", "relay time");
        report_.metric("msgs_per_s", elapsed > 0 ? static_cast<double>(delivered_) / elapsed : 0.0, "msg/s",
                       "delivered signals per second");
        report_.latency("latency", latency_, "one-way latency");
        if (cpu_before && cpu_after) {
            double const cpu = cpu_after->total_s() - cpu_before->total_s();
            report_.metric("server_cpu_s", cpu, "s", "server CPU (user+sys)");
            double const user = cpu_after->user_s - cpu_before->user_s;
            auto const per_msg_us = [this](double seconds) {
                return delivered_ ? seconds * 1e6 / static_cast<double>(delivered_) : 0.0;
            };
            report_.metric("server_cpu_per_msg_us", per_msg_us(cpu), "us", "server CPU per relayed signal");
            // User time is the server's own code; system time is mostly the
            // kernel's TCP work, which any relay pays.
            report_.metric("server_cpu_user_per_msg_us", per_msg_us(user), "us", "  of which user");
            report_.metric("server_cpu_sys_per_msg_us", per_msg_us(cpu - user), "us", "  of which system");
            if (server_syscalls && delivered_ > 0)
                report_.metric("server_syscalls_per_msg", static_cast<double>(*server_syscalls) / static_cast<double>(delivered_),
                               "", "server system calls per relayed signal (perf)");
            report_.metric("server_cpu_utilisation", elapsed > 0 ? cpu / elapsed : 0.0, "", "server CPU / wall");
            // With --cpu-pid: each process's share (0 = --server-pid, then the
            // --cpu-pid processes in the order given).
            for (std::size_t i = 0; !opts_.cpu_pids.empty() && i < each_before.size(); ++i) {
                if (!each_before[i] || !each_after[i]) continue;
                double const part = each_after[i]->total_s() - each_before[i]->total_s();
                report_.metric("server_cpu_per_msg_us_process_" + std::to_string(i), per_msg_us(part), "us",
                               "  of which process " + std::to_string(i));
            }
        }
        double const own = own_after.total_s() - own_before.total_s();
        report_.metric("generator_cpu_utilisation", elapsed > 0 ? own / elapsed : 0.0, "", "generator CPU / wall");
        report_.metric("lost", lost_, "", "lost signals");
        report_.metric("misrouted", misrouted_, "", "misrouted signals");
        report_.metric("unexpected_frames", unexpected_, "", "unexpected frames");
        if (!complete && misrouted_ == 0)
            errors_.push_back("deadline reached with " + std::to_string(delivered_) + " of " +
                              std::to_string(expected_total()) + " signals delivered");
        if (lost_ > 0) errors_.push_back(std::to_string(lost_) + " signals lost");
        if (misrouted_ > 0) errors_.push_back(std::to_string(misrouted_) + " signals misrouted, e.g. " + first_misroute_);
        if (fleet_.dropped() > 0) errors_.push_back(std::to_string(fleet_.dropped()) + " connections dropped: " + fleet_.last_error());
        finish_errors();
    }

    void fill_window(std::size_t index) {
        relay_peer& peer = peers_[index];
        std::uint64_t const acked = peers_[peer.partner].received;
        while (peer.sent < opts_.messages && peer.sent - acked < opts_.window) send_one(index);
    }

    bool can_send(std::size_t index) const {
        relay_peer const& peer = peers_[index];
        return peer.sent < opts_.messages && peer.sent - peers_[peer.partner].received < opts_.window;
    }

    void send_one(std::size_t index) {
        relay_peer& peer = peers_[index];
        signal_kind const kind = peer.sent > 0 ? signal_kind::ice_candidate
                                 : peer.initiator ? signal_kind::offer
                                                  : signal_kind::answer;
        fleet_[index].send(make_signal_frame(kind, {index, peer.sent, now_ns()}));
        ++peer.sent;
        ++sent_total_;
    }

    // --rate: every 250 us, send what the rate allows so far, round-robin
    // over the clients whose window has room. A backlog the windows cannot
    // absorb is capped at 10 ms worth, so a stall is not followed by a burst.
    void pace() {
        double const elapsed = static_cast<double>(now_ns() - start_ns_) / 1e9;
        double const allowed = opts_.rate * elapsed - skipped_;
        double const cap = std::max(1.0, opts_.rate * 0.010);
        double budget = allowed - static_cast<double>(sent_total_);
        if (budget > cap) {
            skipped_ += budget - cap;
            budget = cap;
        }
        std::size_t idle_streak = 0;
        while (budget >= 1.0 && sent_total_ < expected_total() && idle_streak < client_count()) {
            std::size_t const index = cursor_;
            cursor_ = (cursor_ + 1) % client_count();
            if (!can_send(index)) {
                ++idle_streak;
                continue;
            }
            idle_streak = 0;
            send_one(index);
            budget -= 1.0;
        }
        if (sent_total_ >= expected_total()) return;
        pacer_.expires_after(std::chrono::microseconds(250));
        pacer_.async_wait([this](error_code ec) {
            if (!ec) pace();
        });
    }

    void on_relay_frame(ws_client& client, std::string_view frame) {
        auto const stamp = read_signal_stamp(frame);
        if (!stamp) {
            auto const json = nlohmann::json::parse(frame, nullptr, false);
            if (!json.is_discarded() && json.is_object() && json.value("type", "") == "online") return;
            return unexpected(frame);
        }
        std::uint64_t const now = now_ns();
        relay_peer& self = peers_[client.index()];
        if (stamp->sender != self.partner) {
            return misrouted("client " + std::to_string(client.index()) + " got a signal from " +
                             std::to_string(stamp->sender) + ", its partner is " + std::to_string(self.partner));
        }
        if (stamp->sequence < self.received)
            return misrouted("client " + std::to_string(client.index()) + " got signal #" +
                             std::to_string(stamp->sequence) + " again");
        // TCP keeps order, so a gap means the relay dropped signals.
        lost_ += stamp->sequence - self.received;
        self.received = stamp->sequence + 1;
        ++delivered_;
        last_receipt_ns_ = now;
        latency_.record(now >= stamp->sent_ns ? now - stamp->sent_ns : 0);
        // The partner's receipt is the sender's acknowledgement.
        if (opts_.rate <= 0) fill_window(self.partner);
    }

    void misrouted(std::string what) {
        if (misrouted_++ == 0) first_misroute_ = std::move(what);
    }

    void unexpected(std::string_view frame) {
        if (unexpected_++ == 0) {
            auto const json = nlohmann::json::parse(frame, nullptr, false);
            bool const is_error = !json.is_discarded() && json.is_object() && json.value("type", "") == "error";
            errors_.push_back(std::string(is_error ? "server error: " : "unexpected frame: ") +
                              std::string(frame.substr(0, 300)));
        }
    }

    static double seconds_since(bench_clock::time_point begin) {
        return std::chrono::duration<double>(bench_clock::now() - begin).count();
    }

    bool finish_errors() {
        for (auto& e : errors_) report_.error(std::move(e));
        bool const ok = errors_.empty();
        errors_.clear();
        return ok;
    }

    bench_options const& opts_;
    bench_clock::time_point deadline_;
    net::io_context ioc_{1};
    client_fleet fleet_;
    std::vector<relay_peer> peers_;
    std::unordered_map<std::string, std::size_t> sessions_;
    net::steady_timer pacer_;
    latency_histogram latency_;
    scenario_report report_;
    std::vector<std::string> errors_;
    std::string first_misroute_;
    std::size_t matched_ = 0;
    std::size_t cross_instance_pairs_ = 0;
    std::size_t cursor_ = 0;
    double skipped_ = 0;
    std::uint64_t start_ns_ = 0;
    std::uint64_t last_receipt_ns_ = 0;
    std::uint64_t sent_total_ = 0;
    std::uint64_t delivered_ = 0;
    std::uint64_t lost_ = 0;
    std::uint64_t misrouted_ = 0;
    std::uint64_t unexpected_ = 0;
};

}  // namespace

scenario_report run_relay_scenario(bench_options const& opts) { return relay_run(opts).run(); }

}  // namespace parley::bench
