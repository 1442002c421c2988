#include "latency_histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace parley::bench {

// Index layout: [0, 256) holds the exact values 0..255. Above, a value with
// its highest set bit at position m >= 8 is shifted right by s = m - 7 so
// that its top 8 bits t lie in [128, 256); it lands at index s * 128 + t.
// Consecutive magnitudes thus tile the index range without gaps.
std::size_t latency_histogram::index_of(std::uint64_t ns) {
    constexpr std::uint64_t exact_limit = 1u << (sub_bits + 1);
    if (ns < exact_limit) return static_cast<std::size_t>(ns);
    unsigned const msb = 63u - static_cast<unsigned>(std::countl_zero(ns));
    unsigned const shift = msb - sub_bits;
    return static_cast<std::size_t>(shift) * (1u << sub_bits) + static_cast<std::size_t>(ns >> shift);
}

std::uint64_t latency_histogram::upper_edge(std::size_t index) {
    constexpr std::size_t exact_limit = 1u << (sub_bits + 1);
    if (index < exact_limit) return index;
    std::size_t const shift = index / (1u << sub_bits) - 1;
    std::uint64_t const top = index - shift * (1u << sub_bits);
    return ((top + 1) << shift) - 1;
}

void latency_histogram::record(std::uint64_t ns) {
    ++buckets_[index_of(ns)];
    ++count_;
    sum_ += ns;
    min_ = std::min(min_, ns);
    max_ = std::max(max_, ns);
}

std::uint64_t latency_histogram::percentile(double p) const {
    if (count_ == 0) return 0;
    auto const wanted = static_cast<std::uint64_t>(std::ceil(p / 100.0 * static_cast<double>(count_)));
    std::uint64_t const rank = std::clamp<std::uint64_t>(wanted, 1, count_);
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < buckets_.size(); ++i) {
        seen += buckets_[i];
        if (seen >= rank) return std::min(upper_edge(i), max_);
    }
    return max_;
}

}  // namespace parley::bench
