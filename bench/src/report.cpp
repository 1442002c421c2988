#include "report.hpp"

#include "latency_histogram.hpp"

#include <iomanip>
#include <ostream>
#include <sstream>

namespace parley::bench {

scenario_report::scenario_report(std::string scenario, std::string target)
    : scenario_(std::move(scenario)), target_(std::move(target)) {}

void scenario_report::param(std::string const& key, nlohmann::ordered_json value) {
    params_[key] = std::move(value);
}

void scenario_report::metric(std::string const& key, nlohmann::ordered_json value, std::string unit,
                             std::string label) {
    if (!metrics_.contains(key)) rows_.push_back({key, std::move(unit), label.empty() ? key : std::move(label)});
    metrics_[key] = std::move(value);
}

void scenario_report::latency(std::string const& prefix, latency_histogram const& histogram,
                              std::string const& label) {
    auto const us = [](std::uint64_t ns) { return static_cast<double>(ns) / 1000.0; };
    metric(prefix + "_samples", histogram.count(), "", label + " samples");
    metric(prefix + "_p50_us", us(histogram.percentile(50)), "us", label + " p50");
    metric(prefix + "_p90_us", us(histogram.percentile(90)), "us", label + " p90");
    metric(prefix + "_p99_us", us(histogram.percentile(99)), "us", label + " p99");
    metric(prefix + "_max_us", us(histogram.max()), "us", label + " max");
    metric(prefix + "_mean_us", histogram.mean() / 1000.0, "us", label + " mean");
    if (histogram.count() == 0) return;
    auto curve = nlohmann::ordered_json::array();
    for (double const p : {0.0, 10.0, 25.0, 50.0, 75.0, 90.0, 95.0, 99.0, 99.5, 99.9, 99.95, 99.99, 99.999})
        curve.push_back({p, us(p == 0.0 ? histogram.min() : histogram.percentile(p))});
    curve.push_back({100.0, us(histogram.max())});
    curves_[prefix] = std::move(curve);
}

void scenario_report::error(std::string message) { errors_.push_back(std::move(message)); }

std::string scenario_report::to_json_line() const {
    nlohmann::ordered_json line;
    line["scenario"] = scenario_;
    line["target"] = target_;
    if (!label_.empty()) line["label"] = label_;
    line["ok"] = ok();
    line["params"] = params_;
    line["metrics"] = metrics_;
    line["errors"] = errors_;
    if (!curves_.empty()) line["curves"] = curves_;
    // Non-finite doubles would become null; replace them so the line stays useful.
    return line.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

namespace {

std::string format_value(nlohmann::ordered_json const& value) {
    if (value.is_number_float()) {
        std::ostringstream out;
        double const v = value.get<double>();
        out << std::fixed << std::setprecision(v != 0 && v < 10 && v > -10 ? 3 : 1) << v;
        return out.str();
    }
    if (value.is_string()) return value.get<std::string>();
    return value.dump();
}

}  // namespace

void scenario_report::print_table(std::ostream& out) const {
    out << "== " << (label_.empty() ? scenario_ : label_ + ": " + scenario_) << " (target " << target_ << ")";
    for (auto const& [key, value] : params_.items()) out << ' ' << key << '=' << format_value(value);
    out << '\n';
    for (auto const& r : rows_) {
        out << "  " << std::left << std::setw(36) << r.label << std::right << std::setw(16)
            << format_value(metrics_.at(r.key)) << ' ' << r.unit << '\n';
    }
    for (auto const& e : errors_) out << "  ERROR: " << e << '\n';
    out << "  result: " << (ok() ? "ok" : "FAILED") << '\n';
}

}  // namespace parley::bench
