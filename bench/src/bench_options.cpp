#include "bench_options.hpp"

#include <charconv>
#include <cstring>
#include <iostream>
#include <string_view>

namespace parley::bench {

namespace {

constexpr char const* usage = R"(usage: parley-bench SCENARIO [options]

Scenarios (each stops by itself):
  relay   P pairs get matched, then every client sends K signals to its partner
          (a ~3 KB SDP offer/answer first, then ~200-byte ICE candidates) with at
          most W unacknowledged; reports msgs/s, one-way latency, server CPU per
          message, and lost or misrouted messages (which must be 0)
  match   N clients connect and start video in waves; matches/s, time to match,
          server CPU; --churn: matched pairs then press next for --rounds rounds
  idle    C clients connect and stay idle; server RSS before/after, bytes per connection
  rest    C REST users (/start, /send, /receive, keep-alive) exchange K messages per
          pair member; requests/s and request latency

Options:
  --target parley|yardstick  server kind (default parley); the yardstick pairs
                             connections 2i and 2i+1 and relays frames verbatim
  --host ADDR                server address (default 127.0.0.1)
  --port N                   server port (default 8080)
  --pairs P                  relay pairs (default 100)
  --messages K               relay: signals per client; rest: messages per user (default 1000)
  --window W                 relay: max signals in flight per client (default 8)
  --rate R                   relay: total signals per second, 0 = unlimited (default 0)
  --clients N                match/idle: clients; rest: concurrent users (default 1000)
  --wave N                   match: clients per wave (default 1000)
  --churn                    match: then press next repeatedly
  --rounds R                 match --churn: next presses per pair (default 5)
  --connect-concurrency N    handshakes in flight while connecting (default 64)
  --server-pid PID           server process, for CPU time and RSS (/proc)
  --duration-limit S         deadline for the whole run in seconds (default 120)
  --settle S                 idle: seconds to wait before reading RSS (default 1)
  --json                     one JSON object per scenario per line
  --json-file PATH           print the table, and append the JSON line to PATH
  --label TEXT               a name for this run, shown in the table and the JSON
  --port-b N                 a second parley instance of the same cluster (REDIS_URL):
                             clients with an odd index connect there, the others to --port
  --cpu-pid PID              another process whose CPU counts as server CPU (the other
                             instance, redis-server); may be given more than once
  --paired-interests         relay, match: clients 2k and 2k+1 start with an interest only
                             they share, so the server must pair exactly them (with --port-b:
                             every pair has its partners on different instances); run the
                             server with a long INTEREST_FALLBACK_S
  --help                     this text

Exit status: 0 when every scenario completed with nothing lost, misrouted or
failed; 1 otherwise; 2 for bad usage.
)";

template <typename T>
bool parse_number(std::string_view text, T& out) {
    auto const* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, out);
    return ec == std::errc{} && ptr == end;
}

}  // namespace

char const* to_string(target_kind target) { return target == target_kind::parley ? "parley" : "yardstick"; }

std::optional<bench_options> parse_options(int argc, char** argv, int& exit_code) {
    bench_options opts;
    exit_code = 2;
    auto fail = [](std::string const& message) -> std::optional<bench_options> {
        std::cerr << "parley-bench: " << message << "\n(see parley-bench --help)\n";
        return std::nullopt;
    };
    for (int i = 1; i < argc; ++i) {
        std::string_view const arg = argv[i];
        if (arg == "--help" || arg == "-h") {
            std::cout << usage;
            exit_code = 0;
            return std::nullopt;
        }
        if (arg == "--json") { opts.json = true; continue; }
        if (arg == "--churn") { opts.churn = true; continue; }
        if (arg == "--paired-interests") { opts.paired_interests = true; continue; }
        if (!arg.starts_with("--")) {
            if (!opts.scenario.empty()) return fail("more than one scenario given");
            opts.scenario = std::string(arg);
            continue;
        }
        if (i + 1 >= argc) return fail(std::string(arg) + " needs a value");
        std::string_view const value = argv[++i];
        bool ok = true;
        if (arg == "--target") {
            if (value == "parley") opts.target = target_kind::parley;
            else if (value == "yardstick") opts.target = target_kind::yardstick;
            else ok = false;
        } else if (arg == "--host") opts.host = std::string(value);
        else if (arg == "--json-file") opts.json_file = std::string(value);
        else if (arg == "--label") opts.label = std::string(value);
        else if (arg == "--port") ok = parse_number(value, opts.port);
        else if (arg == "--pairs") ok = parse_number(value, opts.pairs) && opts.pairs > 0;
        else if (arg == "--messages") ok = parse_number(value, opts.messages) && opts.messages > 0;
        else if (arg == "--window") ok = parse_number(value, opts.window) && opts.window > 0;
        else if (arg == "--rate") ok = parse_number(value, opts.rate) && opts.rate >= 0;
        else if (arg == "--clients") ok = parse_number(value, opts.clients) && opts.clients > 0;
        else if (arg == "--wave") ok = parse_number(value, opts.wave) && opts.wave > 0;
        else if (arg == "--rounds") ok = parse_number(value, opts.rounds) && opts.rounds > 0;
        else if (arg == "--connect-concurrency")
            ok = parse_number(value, opts.connect_concurrency) && opts.connect_concurrency > 0;
        else if (arg == "--server-pid") ok = parse_number(value, opts.server_pid);
        else if (arg == "--port-b") ok = parse_number(value, opts.port_b) && opts.port_b > 0;
        else if (arg == "--cpu-pid") {
            int pid = 0;
            ok = parse_number(value, pid) && pid > 0;
            if (ok) opts.cpu_pids.push_back(pid);
        }
        else if (arg == "--duration-limit") ok = parse_number(value, opts.duration_limit_s) && opts.duration_limit_s > 0;
        else if (arg == "--settle") ok = parse_number(value, opts.settle_s) && opts.settle_s >= 0;
        else return fail("unknown option " + std::string(arg));
        if (!ok) return fail("bad value for " + std::string(arg) + ": " + std::string(value));
    }
    if (opts.scenario.empty()) return fail("no scenario given (relay, match, idle or rest)");
    if (opts.scenario != "relay" && opts.scenario != "match" && opts.scenario != "idle" && opts.scenario != "rest")
        return fail("unknown scenario " + opts.scenario);
    if (opts.scenario == "match" && opts.target != target_kind::parley)
        return fail("match needs --target parley: the yardstick does no matching");
    if (opts.scenario == "rest" && opts.target != target_kind::parley)
        return fail("rest needs --target parley: the yardstick has no REST API");
    if (opts.scenario == "rest" && opts.clients % 2 != 0) return fail("rest needs an even --clients");
    if (opts.scenario == "match" && (opts.clients % 2 != 0 || opts.wave % 2 != 0))
        return fail("match needs even --clients and --wave");
    if (opts.port_b != 0 && opts.target != target_kind::parley)
        return fail("--port-b needs --target parley: the yardstick is one process");
    if (opts.paired_interests && opts.scenario != "relay" && opts.scenario != "match")
        return fail("--paired-interests is for relay and match");
    exit_code = 0;
    return opts;
}

}  // namespace parley::bench
