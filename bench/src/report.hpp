#ifndef PARLEY_BENCH_REPORT_HPP
#define PARLEY_BENCH_REPORT_HPP

#include <nlohmann/json.hpp>

#include <iosfwd>
#include <string>
#include <vector>

namespace parley::bench {

class latency_histogram;

/// The outcome of one scenario run: its parameters, its figures and anything
/// that went wrong. It prints as a table for people or as one JSON line for
/// scripts (bench/run.sh reads the JSON with jq).
class scenario_report {
public:
    scenario_report(std::string scenario, std::string target);

    void param(std::string const& key, nlohmann::ordered_json value);

    void set_label(std::string label) { label_ = std::move(label); }

    /// A figure; `unit` and `label` only affect the table.
    void metric(std::string const& key, nlohmann::ordered_json value, std::string unit = {},
                std::string label = {});

    /// Adds <prefix>_p50/_p90/_p99/_max/_mean (microseconds) and <prefix>_samples
    /// and, in JSON only, the percentile curve "curves":{"<prefix>":[[p,us],...]}
    /// that bench/run.sh plots.
    void latency(std::string const& prefix, latency_histogram const& histogram, std::string const& label);

    /// Anything that makes the run invalid (lost messages, errors, deadline).
    void error(std::string message);

    bool ok() const { return errors_.empty(); }

    std::string to_json_line() const;
    void print_table(std::ostream& out) const;

private:
    struct row {
        std::string key;
        std::string unit;
        std::string label;
    };

    std::string scenario_;
    std::string target_;
    std::string label_;
    nlohmann::ordered_json params_ = nlohmann::ordered_json::object();
    nlohmann::ordered_json metrics_ = nlohmann::ordered_json::object();
    nlohmann::ordered_json curves_ = nlohmann::ordered_json::object();
    std::vector<row> rows_;
    std::vector<std::string> errors_;
};

}  // namespace parley::bench

#endif
