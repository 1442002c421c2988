#include "start_frame.hpp"

namespace parley::bench {

std::string start_frame(bench_options const& opts, std::size_t index) {
    if (!opts.paired_interests) return R"({"type":"start","chat_type":"video"})";
    return R"({"type":"start","chat_type":"video","interests":["pair)" + std::to_string(index / 2) + R"("]})";
}

}  // namespace parley::bench
