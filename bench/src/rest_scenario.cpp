#include "rest_scenario.hpp"

#include "client_fleet.hpp"
#include "http_client.hpp"
#include "latency_histogram.hpp"
#include "loop_runner.hpp"
#include "process_stats.hpp"

#include <boost/asio/steady_timer.hpp>
#include <nlohmann/json.hpp>

#include <charconv>
#include <memory>

namespace parley::bench {

namespace {

using json = nlohmann::json;

/// One simulated REST user and where it is in the chat flow.
struct rest_user {
    rest_user(net::io_context& ioc, server_address const& address) : http(ioc, address), backoff(ioc) {}
    http_client http;
    net::steady_timer backoff;  // pause between empty polls
    std::string token;
    std::string session;
    std::uint64_t since = 0;    // /receive cursor
    std::size_t sent = 0;
    std::size_t received = 0;   // next sequence number expected from the partner
    bool done = false;
};

class rest_run {
public:
    explicit rest_run(bench_options const& opts)
        : opts_(opts),
          deadline_(bench_clock::now() + std::chrono::duration_cast<bench_clock::duration>(
                                             std::chrono::duration<double>(opts.duration_limit_s))),
          report_("rest", to_string(opts.target)) {
        report_.param("clients", opts.clients);
        report_.param("messages", opts.messages);
        auto const address = make_server_address(opts);
        for (std::size_t i = 0; i < opts.clients; ++i) users_.push_back(std::make_unique<rest_user>(ioc_, address));
    }

    scenario_report run() {
        auto const cpu_before = read_cpu_times(opts_.server_pid);
        start_ns_ = now_ns();
        last_response_ns_ = start_ns_;
        for (std::size_t i = 0; i < users_.size(); ++i) start(i);
        bool const complete = run_until(ioc_, deadline_, [this] { return done_ == users_.size() || failed_; });
        auto const cpu_after = read_cpu_times(opts_.server_pid);
        double const elapsed = static_cast<double>(last_response_ns_ - start_ns_) / 1e9;

        std::uint64_t lost = 0;
        for (auto const& user : users_) lost += opts_.messages - std::min(user->received, opts_.messages);
        report_.metric("requests", requests_, "", "requests");
        report_.metric("elapsed_s", elapsed, "s", "time");
        report_.metric("requests_per_s", elapsed > 0 ? static_cast<double>(requests_) / elapsed : 0.0, "req/s",
                       "requests per second");
        report_.latency("latency", latency_, "request latency");
        report_.latency("send_latency", send_latency_, "/send latency");
        if (cpu_before && cpu_after) {
            double const cpu = cpu_after->total_s() - cpu_before->total_s();
            report_.metric("server_cpu_s", cpu, "s", "server CPU");
            report_.metric("server_cpu_per_request_us", requests_ ? cpu * 1e6 / static_cast<double>(requests_) : 0.0,
                           "us", "server CPU per request");
        }
        report_.metric("lost", lost, "", "lost messages");
        report_.metric("misrouted", misrouted_, "", "misrouted messages");
        if (!complete && !failed_)
            fail("deadline reached with " + std::to_string(done_) + " of " + std::to_string(users_.size()) +
                 " users done");
        if (lost > 0 && !failed_) fail(std::to_string(lost) + " messages lost");

        for (auto& user : users_) {
            user->backoff.cancel();
            user->http.close();
        }
        drain(ioc_);
        return std::move(report_);
    }

private:
    // POSTs and, on a 2xx JSON answer, continues with `next`; anything else fails the run.
    void call(std::size_t index, std::string const& target, std::string body,
              std::function<void(json const&)> next) {
        rest_user& user = *users_[index];
        std::uint64_t const begin = now_ns();
        user.http.post(target, std::move(body), user.token,
                       [this, index, target, begin, next = std::move(next)](error_code ec, unsigned status,
                                                                           std::string const& response) {
                           if (failed_) return;
                           std::uint64_t const now = now_ns();
                           ++requests_;
                           last_response_ns_ = now;
                           latency_.record(now - begin);
                           if (target == "/send") send_latency_.record(now - begin);
                           if (ec) return fail(target + " (user " + std::to_string(index) + "): " + ec.message());
                           auto parsed = json::parse(response, nullptr, false);
                           if (status < 200 || status >= 300 || parsed.is_discarded())
                               return fail(target + " (user " + std::to_string(index) + ") answered " +
                                           std::to_string(status) + ": " + response.substr(0, 300));
                           next(parsed);
                       });
    }

    void start(std::size_t index) {
        call(index, "/start", "{}", [this, index](json const& answer) {
            rest_user& user = *users_[index];
            user.token = answer.value("token", "");
            if (answer.value("status", "") == "matched") {
                user.session = answer.value("session_id", "");
                return send_next(index);
            }
            wait_for_match(index);
        });
    }

    void wait_for_match(std::size_t index) {
        receive(index, [this, index] {
            if (!users_[index]->session.empty()) return send_next(index);
            pause_then(index, [this, index] { wait_for_match(index); });
        });
    }

    void send_next(std::size_t index) {
        rest_user& user = *users_[index];
        if (user.sent == opts_.messages) return drain_partner(index);
        std::string text = "bench " + std::to_string(index) + " " + std::to_string(user.sent);
        json body = {{"message", std::move(text)}};
        call(index, "/send", body.dump(), [this, index](json const&) {
            ++users_[index]->sent;
            receive(index, [this, index] { send_next(index); });
        });
    }

    void drain_partner(std::size_t index) {
        if (users_[index]->received >= opts_.messages) return disconnect(index);
        receive(index, [this, index] {
            if (users_[index]->received >= opts_.messages) return disconnect(index);
            pause_then(index, [this, index] { drain_partner(index); });
        });
    }

    void disconnect(std::size_t index) {
        call(index, "/disconnect", "{}", [this, index](json const&) {
            users_[index]->done = true;
            users_[index]->http.close();
            ++done_;
        });
    }

    // One non-blocking poll (wait 0: latency figures stay request latencies).
    void receive(std::size_t index, std::function<void()> next) {
        json body = {{"since", users_[index]->since}, {"wait", 0}};
        call(index, "/receive", body.dump(), [this, index, next = std::move(next)](json const& answer) {
            rest_user& user = *users_[index];
            user.since = answer.value("next", user.since);
            if (auto const events = answer.find("events"); events != answer.end() && events->is_array())
                for (auto const& event : *events) on_event(index, event);
            if (!failed_) next();
        });
    }

    void on_event(std::size_t index, json const& event) {
        rest_user& user = *users_[index];
        auto const type = event.value("type", "");
        if (type == "matched") {
            user.session = event.value("session_id", "");
            return;
        }
        if (type != "message") return;
        auto const text = event.value("text", "");
        std::size_t sender = 0;
        std::size_t sequence = 0;
        if (!parse_message(text, sender, sequence)) return misrouted("unknown message text: " + text);
        if (sender >= users_.size() || users_[sender]->session != user.session || sender == index)
            return misrouted("user " + std::to_string(index) + " got a message from user " + std::to_string(sender));
        if (sequence != user.received)
            return misrouted("user " + std::to_string(index) + " got message #" + std::to_string(sequence) +
                             ", expected #" + std::to_string(user.received));
        ++user.received;
    }

    static bool parse_message(std::string_view text, std::size_t& sender, std::size_t& sequence) {
        if (!text.starts_with("bench ")) return false;
        text.remove_prefix(6);
        auto const space = text.find(' ');
        if (space == std::string_view::npos) return false;
        auto const a = std::from_chars(text.data(), text.data() + space, sender);
        auto const b = std::from_chars(text.data() + space + 1, text.data() + text.size(), sequence);
        return a.ec == std::errc{} && b.ec == std::errc{};
    }

    void pause_then(std::size_t index, std::function<void()> next) {
        rest_user& user = *users_[index];
        user.backoff.expires_after(std::chrono::milliseconds(2));
        user.backoff.async_wait([this, next = std::move(next)](error_code ec) {
            if (!ec && !failed_) next();
        });
    }

    void misrouted(std::string what) {
        ++misrouted_;
        fail("misrouted: " + what);
    }

    void fail(std::string what) {
        if (failed_) return;
        failed_ = true;
        report_.error(std::move(what));
    }

    bench_options const& opts_;
    bench_clock::time_point deadline_;
    net::io_context ioc_{1};
    std::vector<std::unique_ptr<rest_user>> users_;
    latency_histogram latency_;
    latency_histogram send_latency_;
    scenario_report report_;
    bool failed_ = false;
    std::size_t done_ = 0;
    std::uint64_t requests_ = 0;
    std::uint64_t misrouted_ = 0;
    std::uint64_t start_ns_ = 0;
    std::uint64_t last_response_ns_ = 0;
};

}  // namespace

scenario_report run_rest_scenario(bench_options const& opts) { return rest_run(opts).run(); }

}  // namespace parley::bench
