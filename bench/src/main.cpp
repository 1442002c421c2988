// parley-bench: the load generator. It drives parley (or the yardstick
// relay) through the public protocol only, on one thread with one
// io_context, and prints what it measured. See docs/performance.md.

#include "bench_options.hpp"
#include "idle_scenario.hpp"
#include "match_scenario.hpp"
#include "process_stats.hpp"
#include "relay_scenario.hpp"
#include "report.hpp"
#include "rest_scenario.hpp"

#include <exception>
#include <fstream>
#include <iostream>

int main(int argc, char** argv) {
    using namespace parley::bench;
    int exit_code = 0;
    auto const opts = parse_options(argc, argv, exit_code);
    if (!opts) return exit_code;

    // Every client is a socket: the idle scenario needs the whole hard limit.
    raise_open_file_limit();

    try {
        scenario_report report = opts->scenario == "relay"   ? run_relay_scenario(*opts)
                                 : opts->scenario == "match" ? run_match_scenario(*opts)
                                 : opts->scenario == "idle"  ? run_idle_scenario(*opts)
                                                             : run_rest_scenario(*opts);
        report.set_label(opts->label);
        if (opts->json) std::cout << report.to_json_line() << std::endl;
        else report.print_table(std::cout);
        if (!opts->json_file.empty()) {
            std::ofstream out(opts->json_file, std::ios::app);
            out << report.to_json_line() << '\n';
            if (!out) {
                std::cerr << "parley-bench: cannot write " << opts->json_file << '\n';
                return 1;
            }
        }
        return report.ok() ? 0 : 1;
    } catch (std::exception const& e) {
        std::cerr << "parley-bench: " << e.what() << '\n';
        return 1;
    }
}
