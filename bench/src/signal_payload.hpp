#ifndef PARLEY_BENCH_SIGNAL_PAYLOAD_HPP
#define PARLEY_BENCH_SIGNAL_PAYLOAD_HPP

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace parley::bench {

/// What a relayed signal carries for the benchmark, inside its `data` object
/// as "bench":[sender, sequence, sent_ns]: who sent it, its number in the
/// sender's stream, and when it was sent (steady clock, same process).
struct signal_stamp {
    std::uint64_t sender = 0;
    std::uint64_t sequence = 0;
    std::uint64_t sent_ns = 0;
};

/// The shape of a realistic WebRTC negotiation: one SDP offer (initiator) or
/// answer (the other side) of about 3 KB, then ICE candidates of about 200 bytes.
enum class signal_kind { offer, answer, ice_candidate };

/// A complete client frame: {"type":"signal","data":{...,"bench":[...]}}.
std::string make_signal_frame(signal_kind kind, signal_stamp const& stamp);

/// Extracts the stamp from a relayed signal frame; nullopt when the frame is
/// not a signal carrying one. Scans for the stamp without a full JSON parse
/// (the generator must stay cheaper than the server it measures) and falls
/// back to a real parse when the frame does not look as expected.
std::optional<signal_stamp> read_signal_stamp(std::string_view frame);

}  // namespace parley::bench

#endif
