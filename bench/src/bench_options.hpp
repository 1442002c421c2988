#ifndef PARLEY_BENCH_BENCH_OPTIONS_HPP
#define PARLEY_BENCH_BENCH_OPTIONS_HPP

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace parley::bench {

/// What the load generator talks to: parley itself, or the bare relay used as
/// the yardstick (no hello, no matching: pairs are made by connection order).
enum class target_kind { parley, yardstick };

/// Every command-line setting, with its default.
struct bench_options {
    std::string scenario;                  // relay | match | idle | rest
    target_kind target = target_kind::parley;
    std::string host = "127.0.0.1";
    unsigned short port = 8080;
    std::size_t pairs = 100;               // relay: chatting pairs
    std::size_t messages = 1000;           // relay: signals per client; rest: messages per user
    std::size_t window = 8;                // relay: unacknowledged signals per client
    double rate = 0;                       // relay: total signals/s; 0 = as fast as the window allows
    std::size_t clients = 1000;            // match, idle: connections; rest: concurrent users
    std::size_t wave = 1000;               // match: clients that connect and start together
    bool churn = false;                    // match: matched pairs keep pressing next
    std::size_t rounds = 5;                // match --churn: next presses per pair
    std::size_t connect_concurrency = 64;  // handshakes in flight while connecting
    int server_pid = 0;                    // for CPU time and RSS; 0 = not measured
    double duration_limit_s = 120;         // whole-run deadline; the run fails when it passes
    double settle_s = 1.0;                 // idle: wait before reading RSS after connecting
    bool json = false;                     // one JSON object per line instead of a table
    std::string json_file;                 // also append the JSON line to this file
    std::string label;                     // names the run in the table and the JSON
    // Cluster runs (bench/cluster.sh): a second instance of the same service, the
    // processes whose CPU counts as the server's too, and pairs made on purpose.
    unsigned short port_b = 0;             // 0: every client on --port; else odd clients here
    std::vector<int> cpu_pids;             // more server processes (other instances, redis-server)
    bool paired_interests = false;         // clients 2k and 2k+1 share an interest nobody else has
};

/// Parses argv; on error or --help returns nullopt after printing to stderr
/// or stdout respectively. `exit_code` tells main what to return then.
std::optional<bench_options> parse_options(int argc, char** argv, int& exit_code);

char const* to_string(target_kind target);

}  // namespace parley::bench

#endif
