#include "signal_payload.hpp"

#include <nlohmann/json.hpp>

#include <charconv>

namespace parley::bench {

namespace {

// A Chrome-like offer for one audio and one video track (about 3 KB once
// escaped). Real negotiations send one of these each way, then candidates.
constexpr std::string_view sdp_template =
    "v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0 1\r\n"
    "a=extmap-allow-mixed\r\na=msid-semantic: WMS 3c5a8f0e-7d1b-4a0f-9b7e-1f2d3c4b5a69\r\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126\r\nc=IN IP4 0.0.0.0\r\na=rtcp:9 IN IP4 0.0.0.0\r\n"
    "a=ice-ufrag:EsAw\r\na=ice-pwd:bP+XJMM09aR8AiX1jdukzR6Y\r\na=ice-options:trickle\r\n"
    "a=fingerprint:sha-256 0F:74:31:25:CB:A2:13:EC:28:6F:6D:2C:61:FF:5D:C2:BC:B9:DB:3D:98:14:8D:1A:BB:EA:33:0C:A4:60:A8:8E\r\n"
    "a=setup:actpass\r\na=mid:0\r\na=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n"
    "a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time\r\n"
    "a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01\r\n"
    "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\na=sendrecv\r\n"
    "a=msid:3c5a8f0e-7d1b-4a0f-9b7e-1f2d3c4b5a69 6b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e\r\na=rtcp-mux\r\n"
    "a=rtpmap:111 opus/48000/2\r\na=rtcp-fb:111 transport-cc\r\na=fmtp:111 minptime=10;useinbandfec=1\r\n"
    "a=rtpmap:63 red/48000/2\r\na=fmtp:63 111/111\r\na=rtpmap:9 G722/8000\r\na=rtpmap:0 PCMU/8000\r\n"
    "a=rtpmap:8 PCMA/8000\r\na=rtpmap:13 CN/8000\r\na=rtpmap:110 telephone-event/48000\r\n"
    "a=rtpmap:126 telephone-event/8000\r\na=ssrc:1001466128 cname:q8e2w0Vq3pX1kZ7T\r\n"
    "a=ssrc:1001466128 msid:3c5a8f0e-7d1b-4a0f-9b7e-1f2d3c4b5a69 6b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e\r\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 96 97 102 103 104 105 106 107 108 109 127 125 39 40 45 46 98 99 100 101\r\n"
    "c=IN IP4 0.0.0.0\r\na=rtcp:9 IN IP4 0.0.0.0\r\na=ice-ufrag:EsAw\r\na=ice-pwd:bP+XJMM09aR8AiX1jdukzR6Y\r\n"
    "a=ice-options:trickle\r\n"
    "a=fingerprint:sha-256 0F:74:31:25:CB:A2:13:EC:28:6F:6D:2C:61:FF:5D:C2:BC:B9:DB:3D:98:14:8D:1A:BB:EA:33:0C:A4:60:A8:8E\r\n"
    "a=setup:actpass\r\na=mid:1\r\na=extmap:14 urn:ietf:params:rtp-hdrext:toffset\r\n"
    "a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time\r\na=extmap:13 urn:3gpp:video-orientation\r\n"
    "a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01\r\n"
    "a=extmap:5 http://www.webrtc.org/experiments/rtp-hdrext/playout-delay\r\n"
    "a=extmap:6 http://www.webrtc.org/experiments/rtp-hdrext/video-content-type\r\n"
    "a=extmap:7 http://www.webrtc.org/experiments/rtp-hdrext/video-timing\r\n"
    "a=extmap:8 http://www.webrtc.org/experiments/rtp-hdrext/color-space\r\na=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
    "a=sendrecv\r\na=msid:3c5a8f0e-7d1b-4a0f-9b7e-1f2d3c4b5a69 0a9b8c7d-6e5f-4a3b-2c1d-0e9f8a7b6c5d\r\n"
    "a=rtcp-mux\r\na=rtcp-rsize\r\na=rtpmap:96 VP8/90000\r\na=rtcp-fb:96 goog-remb\r\na=rtcp-fb:96 transport-cc\r\n"
    "a=rtcp-fb:96 ccm fir\r\na=rtcp-fb:96 nack\r\na=rtcp-fb:96 nack pli\r\na=rtpmap:97 rtx/90000\r\na=fmtp:97 apt=96\r\n"
    "a=rtpmap:102 H264/90000\r\na=rtcp-fb:102 goog-remb\r\na=rtcp-fb:102 transport-cc\r\na=rtcp-fb:102 ccm fir\r\n"
    "a=rtcp-fb:102 nack\r\na=rtcp-fb:102 nack pli\r\n"
    "a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f\r\n"
    "a=rtpmap:103 rtx/90000\r\na=fmtp:103 apt=102\r\na=rtpmap:104 H264/90000\r\na=rtcp-fb:104 goog-remb\r\n"
    "a=rtcp-fb:104 transport-cc\r\na=rtcp-fb:104 ccm fir\r\na=rtcp-fb:104 nack\r\na=rtcp-fb:104 nack pli\r\n"
    "a=fmtp:104 level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42001f\r\n"
    "a=rtpmap:105 rtx/90000\r\na=fmtp:105 apt=104\r\na=rtpmap:39 AV1/90000\r\na=rtcp-fb:39 goog-remb\r\n"
    "a=rtcp-fb:39 transport-cc\r\na=rtcp-fb:39 nack\r\na=rtpmap:40 rtx/90000\r\na=fmtp:40 apt=39\r\n"
    "a=rtpmap:98 VP9/90000\r\na=rtcp-fb:98 goog-remb\r\na=rtcp-fb:98 transport-cc\r\na=rtcp-fb:98 nack\r\n"
    "a=fmtp:98 profile-id=0\r\na=rtpmap:99 rtx/90000\r\na=fmtp:99 apt=98\r\na=rtpmap:100 red/90000\r\n"
    "a=rtpmap:101 rtx/90000\r\na=fmtp:101 apt=100\r\na=ssrc-group:FID 2566523456 3456789012\r\n"
    "a=ssrc:2566523456 cname:q8e2w0Vq3pX1kZ7T\r\na=ssrc:3456789012 cname:q8e2w0Vq3pX1kZ7T\r\n";

// A server-reflexive candidate as Chrome trickles it (~200 bytes framed).
constexpr std::string_view candidate_body =
    R"("candidate":"candidate:842163049 1 udp 1677729535 198.51.100.23 51234 typ srflx raddr 10.0.0.5 rport 51234 generation 0 ufrag EsAw network-cost 999","sdpMid":"0","sdpMLineIndex":0)";

// The SDP as a JSON string literal (CR and LF escaped), built once.
std::string const& escaped_sdp() {
    static std::string const escaped = [] {
        std::string out;
        out.reserve(sdp_template.size() + 256);
        for (char const c : sdp_template) {
            if (c == '\r') out += "\\r";
            else if (c == '\n') out += "\\n";
            else out += c;
        }
        return out;
    }();
    return escaped;
}

void append_number(std::string& out, std::uint64_t value) {
    char digits[24];
    auto const [end, ec] = std::to_chars(std::begin(digits), std::end(digits), value);
    out.append(digits, end);
}

// Parses the digits at text[pos...] after optional whitespace; advances pos.
bool parse_uint(std::string_view text, std::size_t& pos, std::uint64_t& value) {
    while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\n')) ++pos;
    auto const [ptr, ec] = std::from_chars(text.data() + pos, text.data() + text.size(), value);
    if (ec != std::errc{}) return false;
    pos = static_cast<std::size_t>(ptr - text.data());
    return true;
}

bool expect(std::string_view text, std::size_t& pos, char c) {
    while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\n')) ++pos;
    if (pos >= text.size() || text[pos] != c) return false;
    ++pos;
    return true;
}

std::optional<signal_stamp> parse_stamp_fully(std::string_view frame) {
    auto const json = nlohmann::json::parse(frame, nullptr, false);
    if (json.is_discarded() || !json.is_object()) return std::nullopt;
    auto const type = json.find("type");
    auto const data = json.find("data");
    if (type == json.end() || *type != "signal" || data == json.end() || !data->is_object()) return std::nullopt;
    auto const bench = data->find("bench");
    if (bench == data->end() || !bench->is_array() || bench->size() != 3) return std::nullopt;
    for (auto const& v : *bench)
        if (!v.is_number_unsigned()) return std::nullopt;
    return signal_stamp{(*bench)[0].get<std::uint64_t>(), (*bench)[1].get<std::uint64_t>(),
                        (*bench)[2].get<std::uint64_t>()};
}

}  // namespace

std::string make_signal_frame(signal_kind kind, signal_stamp const& stamp) {
    std::string frame;
    frame.reserve(kind == signal_kind::ice_candidate ? 256 : escaped_sdp().size() + 96);
    frame += R"({"type":"signal","data":{)";
    switch (kind) {
    case signal_kind::offer:
        frame += R"("type":"offer","sdp":")";
        frame += escaped_sdp();
        frame += "\",";
        break;
    case signal_kind::answer:
        frame += R"("type":"answer","sdp":")";
        frame += escaped_sdp();
        frame += "\",";
        break;
    case signal_kind::ice_candidate:
        frame += candidate_body;
        frame += ',';
        break;
    }
    frame += R"("bench":[)";
    append_number(frame, stamp.sender);
    frame += ',';
    append_number(frame, stamp.sequence);
    frame += ',';
    append_number(frame, stamp.sent_ns);
    frame += "]}}";
    return frame;
}

std::optional<signal_stamp> read_signal_stamp(std::string_view frame) {
    // Fast path: the stamp is the last member we wrote; a relay that keeps
    // or re-serialises the object compactly leaves `"bench":[a,b,c]` intact.
    constexpr std::string_view key = R"("bench")";
    auto const at = frame.rfind(key);
    if (at == std::string_view::npos || frame.find(R"("type":"signal")") == std::string_view::npos)
        return parse_stamp_fully(frame);
    std::size_t pos = at + key.size();
    signal_stamp stamp;
    if (expect(frame, pos, ':') && expect(frame, pos, '[') && parse_uint(frame, pos, stamp.sender) &&
        expect(frame, pos, ',') && parse_uint(frame, pos, stamp.sequence) && expect(frame, pos, ',') &&
        parse_uint(frame, pos, stamp.sent_ns) && expect(frame, pos, ']'))
        return stamp;
    return parse_stamp_fully(frame);
}

}  // namespace parley::bench
