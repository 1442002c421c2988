#ifndef PARLEY_BENCH_LATENCY_HISTOGRAM_HPP
#define PARLEY_BENCH_LATENCY_HISTOGRAM_HPP

#include <array>
#include <cstdint>

namespace parley::bench {

/// A log-linear histogram of durations in nanoseconds (HdrHistogram's idea):
/// values below 256 are exact, larger ones keep their top 8 significant bits,
/// so every reported percentile is within 0.8% of a recorded value. Fixed
/// size, no allocation per sample: recording costs a few instructions, which
/// matters because the load generator records every relayed message.
class latency_histogram {
public:
    void record(std::uint64_t ns);

    std::uint64_t count() const { return count_; }
    std::uint64_t min() const { return count_ ? min_ : 0; }
    std::uint64_t max() const { return max_; }
    double mean() const { return count_ ? static_cast<double>(sum_) / static_cast<double>(count_) : 0.0; }

    /// The smallest recorded bucket value v such that at least `p` percent of
    /// the samples are <= v (upper edge of the bucket, clamped to max()).
    std::uint64_t percentile(double p) const;

private:
    static constexpr unsigned sub_bits = 7;
    static constexpr std::size_t bucket_count = (64 - sub_bits) * (1u << sub_bits) + (1u << (sub_bits + 1));

    static std::size_t index_of(std::uint64_t ns);
    static std::uint64_t upper_edge(std::size_t index);

    std::array<std::uint64_t, bucket_count> buckets_{};
    std::uint64_t count_ = 0;
    std::uint64_t sum_ = 0;
    std::uint64_t min_ = UINT64_MAX;
    std::uint64_t max_ = 0;
};

}  // namespace parley::bench

#endif
