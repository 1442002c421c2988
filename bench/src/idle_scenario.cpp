#include "idle_scenario.hpp"

#include "client_fleet.hpp"
#include "loop_runner.hpp"
#include "process_stats.hpp"

#include <thread>

namespace parley::bench {

scenario_report run_idle_scenario(bench_options const& opts) {
    scenario_report report("idle", to_string(opts.target));
    report.param("clients", opts.clients);
    auto const deadline = bench_clock::now() + std::chrono::duration_cast<bench_clock::duration>(
                                                   std::chrono::duration<double>(opts.duration_limit_s));
    net::io_context ioc{1};
    client_fleet fleet(ioc, make_server_address(opts), opts.target, opts.connect_concurrency);

    auto const rss_before = read_rss_bytes(opts.server_pid);
    auto const begin = bench_clock::now();
    fleet.open(opts.clients, {});
    bool const settled = run_until(ioc, deadline, [&] { return fleet.settled(); });
    double const connect_s = std::chrono::duration<double>(bench_clock::now() - begin).count();

    // Let the server finish whatever each new connection triggers (e.g. an
    // `online` broadcast) before reading its memory; keep reading meanwhile.
    auto const settle_until = std::min(deadline, bench_clock::now() + std::chrono::duration_cast<bench_clock::duration>(
                                                                          std::chrono::duration<double>(opts.settle_s)));
    run_until(ioc, settle_until, [] { return false; });
    auto const rss_after = read_rss_bytes(opts.server_pid);
    std::size_t const connected = fleet.ready() - std::min(fleet.ready(), fleet.dropped());

    report.metric("connected", connected, "", "idle connections");
    report.metric("connect_s", connect_s, "s", "time to connect all");
    report.metric("connects_per_s", connect_s > 0 ? static_cast<double>(fleet.ready()) / connect_s : 0.0, "conn/s",
                  "connections per second");
    if (rss_before && rss_after) {
        report.metric("server_rss_before_bytes", *rss_before, "B", "server RSS before");
        report.metric("server_rss_after_bytes", *rss_after, "B", "server RSS after");
        double const per = connected ? (static_cast<double>(*rss_after) - static_cast<double>(*rss_before)) /
                                           static_cast<double>(connected)
                                     : 0.0;
        report.metric("server_bytes_per_connection", per, "B", "server memory per connection");
    }
    if (!settled) report.error("deadline reached with " + std::to_string(fleet.ready()) + " of " +
                               std::to_string(opts.clients) + " connected");
    if (fleet.failed() > 0)
        report.error(std::to_string(fleet.failed()) + " connections failed, e.g. " + fleet.last_error());
    if (fleet.dropped() > 0)
        report.error(std::to_string(fleet.dropped()) + " connections dropped: " + fleet.last_error());

    fleet.shut_down(bench_clock::now() + std::chrono::seconds(10));
    // Memory the server keeps after every client has left (allocator caches, leaks).
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    if (auto const rss_closed = read_rss_bytes(opts.server_pid))
        report.metric("server_rss_after_close_bytes", *rss_closed, "B", "server RSS after all closed");
    return report;
}

}  // namespace parley::bench
