#include "match_scenario.hpp"

#include "client_fleet.hpp"
#include "latency_histogram.hpp"
#include "loop_runner.hpp"
#include "process_stats.hpp"
#include "server_cpu.hpp"
#include "start_frame.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <unordered_map>

namespace parley::bench {

namespace {

/// One client's part in the matching: when it asked, and what it got.
struct matcher {
    std::uint64_t asked_ns = 0;   // last start/next sent
    bool waiting_for_match = false;
    bool initiator = false;
    std::string session;
};

class match_run {
public:
    explicit match_run(bench_options const& opts)
        : opts_(opts),
          deadline_(bench_clock::now() + std::chrono::duration_cast<bench_clock::duration>(
                                             std::chrono::duration<double>(opts.duration_limit_s))),
          fleet_(ioc_, make_server_address(opts), opts.target, opts.connect_concurrency),
          matchers_(opts.clients),
          report_("match", to_string(opts.target)) {
        report_.param("clients", opts.clients);
        report_.param("wave", opts.wave);
        if (opts.churn) report_.param("churn_rounds", opts.rounds);
        if (opts.port_b != 0) report_.param("port_b", opts.port_b);
        if (opts.paired_interests) report_.param("paired_interests", 1);
        fleet_.set_second_address(make_second_address(opts));
    }

    scenario_report run() {
        auto const cpu_start = read_server_cpu(opts_);
        auto const wall_start = bench_clock::now();
        if (run_waves()) {
            auto const cpu_end = read_server_cpu(opts_);
            report_.metric("matches", matches_, "", "matches");
            report_.metric("match_phase_s", match_seconds_, "s", "time in start->matched phases");
            report_.metric("matches_per_s", match_seconds_ > 0 ? static_cast<double>(matches_) / match_seconds_ : 0.0,
                           "match/s", "matches per second");
            report_.latency("time_to_match", time_to_match_, "time to match");
            if (opts_.port_b != 0)
                report_.metric("cross_instance_pairs", cross_instance_pairs_, "", "first matches across instances");
            report_.metric("total_s", std::chrono::duration<double>(bench_clock::now() - wall_start).count(), "s",
                           "wall time incl. connecting");
            if (cpu_start && cpu_end) {
                report_.metric("server_cpu_s", cpu_end->total_s() - cpu_start->total_s(), "s",
                               "server CPU incl. connects");
                report_.metric("server_cpu_match_s", match_cpu_, "s", "server CPU in match phases");
            }
            if (opts_.churn) churn();
        }
        if (fleet_.dropped() > 0) error(std::to_string(fleet_.dropped()) + " connections dropped: " + fleet_.last_error());
        fleet_.shut_down(bench_clock::now() + std::chrono::seconds(5));
        return std::move(report_);
    }

private:
    bool run_waves() {
        for (std::size_t first = 0; first < opts_.clients; first += opts_.wave) {
            std::size_t const count = std::min(opts_.wave, opts_.clients - first);
            fleet_.open(count, [this](ws_client& client) {
                client.set_message_handler([this](ws_client& c, std::string_view frame) { on_frame(c, frame); });
            });
            run_until(ioc_, deadline_, [&] { return fleet_.settled() || failed_; });
            if (fleet_.failed() > 0) {
                error(std::to_string(fleet_.failed()) + " connections failed, e.g. " + fleet_.last_error());
                return false;
            }
            if (!fleet_.settled()) return error("deadline reached while connecting"), false;

            // All of the wave asks at once; the wave ends when all are matched.
            auto const cpu_before = read_server_cpu(opts_);
            std::uint64_t const begin = now_ns();
            last_match_ns_ = begin;
            std::size_t const target = matched_events_ + count;
            for (std::size_t i = first; i < first + count; ++i) ask(i, start_frame(opts_, i));
            bool const done = run_until(ioc_, deadline_, [&] { return matched_events_ >= target || failed_; });
            auto const cpu_after = read_server_cpu(opts_);
            if (cpu_before && cpu_after) match_cpu_ += cpu_after->total_s() - cpu_before->total_s();
            match_seconds_ += static_cast<double>(last_match_ns_ - begin) / 1e9;
            if (failed_) return false;
            if (!done) {
                error("deadline reached: " + std::to_string(matched_events_) + " of " + std::to_string(target) +
                      " clients matched");
                return false;
            }
        }
        matches_ = matched_events_ / 2;
        return true;
    }

    void churn() {
        std::size_t const target = opts_.rounds * (opts_.clients / 2);
        churning_ = true;
        churn_target_ = target;
        auto const cpu_before = read_server_cpu(opts_);
        std::uint64_t const begin = now_ns();
        last_match_ns_ = begin;
        for (std::size_t i = 0; i < opts_.clients; ++i)
            if (matchers_[i].initiator) press_next(i);
        bool const done = run_until(ioc_, deadline_, [&] { return churn_matches_ >= target || failed_; });
        auto const cpu_after = read_server_cpu(opts_);
        double const elapsed = static_cast<double>(last_match_ns_ - begin) / 1e9;
        report_.metric("churn_matches", churn_matches_, "", "churn: matches after next");
        report_.metric("churn_s", elapsed, "s", "churn: time");
        report_.metric("churn_matches_per_s", elapsed > 0 ? static_cast<double>(churn_matches_) / elapsed : 0.0,
                       "match/s", "churn: matches per second");
        report_.latency("churn_time_to_match", churn_time_to_match_, "churn: time to match");
        if (cpu_before && cpu_after)
            report_.metric("churn_server_cpu_s", cpu_after->total_s() - cpu_before->total_s(), "s", "churn: server CPU");
        if (!done && !failed_)
            error("deadline reached during churn: " + std::to_string(churn_matches_) + " of " +
                  std::to_string(target) + " matches");
    }

    void ask(std::size_t index, std::string frame) {
        matchers_[index].asked_ns = now_ns();
        matchers_[index].waiting_for_match = true;
        fleet_[index].send(std::move(frame));
    }

    void press_next(std::size_t index) {
        ++presses_;
        ask(index, R"({"type":"next"})");
    }

    void on_frame(ws_client& client, std::string_view frame) {
        auto const json = nlohmann::json::parse(frame, nullptr, false);
        if (json.is_discarded() || !json.is_object()) return unexpected(frame);
        auto const type = json.value("type", "");
        matcher& self = matchers_[client.index()];
        if (type == "online" || type == "waiting") return;
        if (type == "partner_left" && churning_) {
            // Only the side that did not press next starts again.
            if (!self.waiting_for_match) ask(client.index(), start_frame(opts_, client.index()));
            return;
        }
        if (type != "matched" || !self.waiting_for_match) return unexpected(frame);
        std::uint64_t const now = now_ns();
        self.waiting_for_match = false;
        self.initiator = json.value("initiator", false);
        self.session = json.value("session_id", "");
        last_match_ns_ = now;
        ++matched_events_;
        check_session(client.index());
        if (!churning_) {
            time_to_match_.record(now - self.asked_ns);
            return;
        }
        churn_time_to_match_.record(now - self.asked_ns);
        // Each match has exactly one initiator: count it once, there.
        if (!self.initiator) return;
        ++churn_matches_;
        if (presses_ < churn_target_) press_next(client.index());
    }

    // Both members of a session must be ours, and only one is the initiator.
    void check_session(std::size_t index) {
        auto& members = sessions_[matchers_[index].session];
        members.push_back(index);
        if (members.size() != 2) {
            if (members.size() > 2) error("session " + matchers_[index].session + " has more than two members");
            return;
        }
        if (matchers_[members[0]].initiator == matchers_[members[1]].initiator)
            error("session " + matchers_[index].session + " does not have exactly one initiator");
        if (opts_.paired_interests && members[0] != (members[1] ^ 1))
            error("--paired-interests: client " + std::to_string(members[0]) + " was matched with " +
                  std::to_string(members[1]));
        if (!churning_ && instance_of(opts_, members[0]) != instance_of(opts_, members[1])) ++cross_instance_pairs_;
        sessions_.erase(matchers_[index].session);
    }

    void unexpected(std::string_view frame) {
        error("unexpected frame: " + std::string(frame.substr(0, 300)));
    }

    void error(std::string what) {
        if (!failed_) report_.error(std::move(what));
        failed_ = true;
    }

    bench_options const& opts_;
    bench_clock::time_point deadline_;
    net::io_context ioc_{1};
    client_fleet fleet_;
    std::vector<matcher> matchers_;
    std::unordered_map<std::string, std::vector<std::size_t>> sessions_;
    latency_histogram time_to_match_;
    latency_histogram churn_time_to_match_;
    scenario_report report_;
    bool failed_ = false;
    bool churning_ = false;
    std::size_t matched_events_ = 0;
    std::size_t matches_ = 0;
    std::size_t cross_instance_pairs_ = 0;
    std::size_t churn_target_ = 0;
    std::size_t churn_matches_ = 0;
    std::size_t presses_ = 0;
    double match_seconds_ = 0;
    double match_cpu_ = 0;
    std::uint64_t last_match_ns_ = 0;
};

}  // namespace

scenario_report run_match_scenario(bench_options const& opts) { return match_run(opts).run(); }

}  // namespace parley::bench
