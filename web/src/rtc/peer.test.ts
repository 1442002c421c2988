import { describe, expect, it } from 'vitest';
import { capEncoding, PeerSession } from './peer';
import type { RtcStatus } from '../chat/chatMachine';

/** Just enough of RTCPeerConnection to check the negotiation rules. */
class FakePc {
  calls: string[] = [];
  signalingState: RTCSignalingState = 'stable';
  connectionState: RTCPeerConnectionState = 'new';
  localDescription: { type: string; sdp: string } | null = null;
  remoteDescription: { type: string; sdp: string } | null = null;
  added: RTCIceCandidateInit[] = [];
  tracks = 0;
  closed = false;
  failCandidate: string | null = null;
  onicecandidate: ((ev: { candidate: { toJSON(): unknown } | null }) => void) | null = null;
  ontrack: ((ev: unknown) => void) | null = null;
  onnegotiationneeded: (() => void) | null = null;
  onconnectionstatechange: (() => void) | null = null;
  oniceconnectionstatechange: (() => void) | null = null;

  addTrack() {
    this.tracks++;
  }
  addTransceiver() {}
  channels: Array<{ label: string; init: RTCDataChannelInit }> = [];
  createDataChannel(label: string, init: RTCDataChannelInit) {
    this.channels.push({ label, init });
    return { label };
  }
  async setLocalDescription() {
    await Promise.resolve();
    if (this.signalingState === 'stable') {
      this.localDescription = { type: 'offer', sdp: `offer-${this.calls.length}` };
      this.signalingState = 'have-local-offer';
      this.calls.push('createOffer');
    } else if (this.signalingState === 'have-remote-offer') {
      this.localDescription = { type: 'answer', sdp: 'answer' };
      this.signalingState = 'stable';
      this.calls.push('createAnswer');
    }
  }
  async setRemoteDescription(d: { type: string; sdp: string }) {
    await Promise.resolve();
    this.remoteDescription = d;
    this.signalingState = d.type === 'offer' ? 'have-remote-offer' : 'stable';
    this.calls.push(`setRemote:${d.type}`);
  }
  async addIceCandidate(c: RTCIceCandidateInit) {
    await Promise.resolve();
    if (!this.remoteDescription) throw new Error('InvalidStateError: no remote description');
    if (c.candidate === this.failCandidate) throw new Error('bad candidate');
    this.added.push(c);
    this.calls.push(`candidate:${c.candidate}`);
  }
  restartIce() {
    this.calls.push('restartIce');
  }
  config: RTCConfiguration | null = null;
  setConfiguration(c: RTCConfiguration) {
    this.config = c;
    this.calls.push('setConfiguration');
  }
  /** The selected pair's candidate types, for getStats; null: no stats. */
  pairTypes: [string, string] | null = null;
  async getStats() {
    if (!this.pairTypes) throw new Error('no stats');
    return new Map<string, Record<string, unknown>>([
      ['T', { id: 'T', type: 'transport', selectedCandidatePairId: 'P' }],
      ['P', { id: 'P', type: 'candidate-pair', localCandidateId: 'L', remoteCandidateId: 'R' }],
      ['L', { id: 'L', type: 'local-candidate', candidateType: this.pairTypes[0] }],
      ['R', { id: 'R', type: 'remote-candidate', candidateType: this.pairTypes[1] }],
    ]);
  }
  close() {
    this.closed = true;
  }
  // drivers
  localCandidate(candidate: string) {
    this.onicecandidate?.({ candidate: { toJSON: () => ({ candidate, sdpMid: '0', sdpMLineIndex: 0 }) } });
  }
  setConnection(state: RTCPeerConnectionState) {
    this.connectionState = state;
    this.onconnectionstatechange?.();
  }
}

const settle = () => new Promise((r) => setTimeout(r, 0));

const localStream = {
  getTracks: () => [{ kind: 'audio' }, { kind: 'video' }],
} as unknown as MediaStream;

const TURN = { urls: ['turn:127.0.0.1:3478'], username: '1000:ab', credential: 'c1', ttl_s: 600 };

function make(initiator: boolean, opts: { turn?: typeof TURN; relayOnly?: boolean; media?: boolean } = {}) {
  let pc!: FakePc;
  let config!: RTCConfiguration;
  const signals: Record<string, unknown>[] = [];
  const states: RtcStatus[] = [];
  const relayed: (boolean | undefined)[] = [];
  const peer = new PeerSession({
    sessionId: 's1',
    initiator,
    iceServers: Promise.resolve([{ urls: 'stun:stun.example.org' }]),
    localStream,
    media: opts.media ?? true,
    turn: opts.turn,
    relayOnly: opts.relayOnly,
    createPc: (c) => {
      config = c;
      if (!opts.turn) expect(c.iceServers).toEqual([{ urls: 'stun:stun.example.org' }]);
      pc = new FakePc();
      return pc as unknown as RTCPeerConnection;
    },
    callbacks: {
      signal: (d) => signals.push(d),
      state: (s, r) => {
        states.push(s);
        relayed.push(r);
      },
      remoteStream: () => undefined,
    },
  });
  return { peer, get pc() { return pc; }, get config() { return config; }, signals, states, relayed };
}

describe('PeerSession with a TURN relay', () => {
  it('uses the chat\'s TURN credentials, and relay candidates only when hiding the IP', async () => {
    const t = make(true, { turn: TURN, relayOnly: true });
    await settle();
    expect(t.config.iceServers).toEqual([
      { urls: 'stun:stun.example.org' },
      { urls: ['turn:127.0.0.1:3478'], username: '1000:ab', credential: 'c1' },
    ]);
    expect(t.config.iceTransportPolicy).toBe('relay');
    const open = make(false, { turn: TURN });
    await settle();
    expect(open.config.iceTransportPolicy).toBe('all');
  });

  it('relay only stays relay only without credentials (it fails rather than show the address)', async () => {
    const t = make(true, { relayOnly: true });
    await settle();
    expect(t.config.iceTransportPolicy).toBe('relay');
  });

  it('says when the selected pair goes through the relay', async () => {
    const t = make(true, { turn: TURN });
    await settle();
    t.pc.pairTypes = ['relay', 'host'];
    t.pc.setConnection('connected');
    await settle();
    expect(t.states).toEqual(['connected']);
    expect(t.relayed).toEqual([true]);
    const direct = make(true, { turn: TURN });
    await settle();
    direct.pc.pairTypes = ['host', 'srflx'];
    direct.pc.setConnection('connected');
    await settle();
    expect(direct.relayed).toEqual([false]);
  });

  it('fresh credentials: the initiator sets them and restarts ICE, the other side only sets them', async () => {
    const a = make(true, { turn: TURN });
    const b = make(false, { turn: TURN });
    await settle();
    const fresh = { ...TURN, username: '2000:cd', credential: 'c2' };
    a.peer.updateTurn(fresh);
    b.peer.updateTurn(fresh);
    await settle();
    await settle();
    expect(a.pc.calls).toEqual(['setConfiguration', 'restartIce']);
    expect(b.pc.calls).toEqual(['setConfiguration']);
    expect(a.pc.config?.iceServers).toEqual([
      { urls: 'stun:stun.example.org' },
      { urls: ['turn:127.0.0.1:3478'], username: '2000:cd', credential: 'c2' },
    ]);
    expect(a.pc.config?.bundlePolicy).toBe('max-bundle');
  });
});

describe('PeerSession', () => {
  it('adds the camera tracks to the connection', async () => {
    const t = make(true);
    await settle();
    expect(t.pc.tracks).toBe(2);
  });

  it('the initiator makes the offer when negotiation is needed', async () => {
    const t = make(true);
    await settle();
    t.pc.onnegotiationneeded?.();
    await settle();
    expect(t.signals).toEqual([{ sdp: { type: 'offer', sdp: 'offer-0' } }]);
    t.peer.handleSignal({ sdp: { type: 'answer', sdp: 'answer' } });
    await settle();
    expect(t.pc.calls).toEqual(['createOffer', 'setRemote:answer']);
    expect(t.pc.signalingState).toBe('stable');
  });

  it('the other side never offers, it only answers', async () => {
    const t = make(false);
    await settle();
    expect(t.pc.onnegotiationneeded).toBeNull();
    expect(t.signals).toEqual([]);
    t.peer.handleSignal({ sdp: { type: 'offer', sdp: 'offer' } });
    await settle();
    expect(t.pc.calls).toEqual(['setRemote:offer', 'createAnswer']);
    expect(t.signals).toEqual([{ sdp: { type: 'answer', sdp: 'answer' } }]);
  });

  it('the initiator ignores an offer, the answerer ignores an answer', async () => {
    const a = make(true);
    const b = make(false);
    await settle();
    a.peer.handleSignal({ sdp: { type: 'offer', sdp: 'x' } });
    b.peer.handleSignal({ sdp: { type: 'answer', sdp: 'x' } });
    await settle();
    expect(a.pc.calls).toEqual([]);
    expect(b.pc.calls).toEqual([]);
  });

  it('queues candidates that arrive before the remote description', async () => {
    const t = make(false);
    // candidates arrive even before the peer connection exists
    t.peer.handleSignal({ candidate: { candidate: 'c1', sdpMid: '0', sdpMLineIndex: 0 } });
    await settle();
    t.peer.handleSignal({ candidate: { candidate: 'c2', sdpMid: '0', sdpMLineIndex: 0 } });
    await settle();
    expect(t.peer.queuedCandidates).toBe(2);
    expect(t.pc.added).toEqual([]);
    t.peer.handleSignal({ sdp: { type: 'offer', sdp: 'offer' } });
    t.peer.handleSignal({ candidate: { candidate: 'c3', sdpMid: '0', sdpMLineIndex: 0 } });
    await settle();
    expect(t.pc.calls).toEqual(['setRemote:offer', 'candidate:c1', 'candidate:c2', 'createAnswer', 'candidate:c3']);
    expect(t.peer.queuedCandidates).toBe(0);
  });

  it('a bad candidate does not stop the next ones', async () => {
    const t = make(false);
    await settle();
    t.pc.failCandidate = 'bad';
    t.peer.handleSignal({ sdp: { type: 'offer', sdp: 'offer' } });
    t.peer.handleSignal({ candidate: { candidate: 'bad' } });
    t.peer.handleSignal({ candidate: { candidate: 'good' } });
    await settle();
    expect(t.pc.added.map((c) => c.candidate)).toEqual(['good']);
  });

  it('sends its own candidates and reports the connection state', async () => {
    const t = make(true);
    await settle();
    t.pc.localCandidate('candidate:1 1 udp 1 127.0.0.1 5000 typ host');
    t.pc.onicecandidate?.({ candidate: null });
    t.pc.setConnection('connecting');
    t.pc.setConnection('connected');
    await settle();
    expect(t.signals).toEqual([
      { candidate: { candidate: 'candidate:1 1 udp 1 127.0.0.1 5000 typ host', sdpMid: '0', sdpMLineIndex: 0 } },
    ]);
    expect(t.states).toEqual(['connecting', 'connected']);
  });

  it('on failure only the initiator restarts ICE', async () => {
    const a = make(true);
    const b = make(false);
    await settle();
    a.pc.setConnection('failed');
    b.pc.setConnection('failed');
    expect(a.pc.calls).toContain('restartIce');
    expect(b.pc.calls).not.toContain('restartIce');
    expect(b.states).toEqual(['failed']);
  });

  it('after close nothing reaches the app and signals are ignored', async () => {
    const t = make(false);
    await settle();
    const pc = t.pc;
    const onCandidate = pc.onicecandidate;
    t.peer.close();
    expect(pc.closed).toBe(true);
    onCandidate?.({ candidate: { toJSON: () => ({ candidate: 'late' }) } });
    t.peer.handleSignal({ sdp: { type: 'offer', sdp: 'offer' } });
    await settle();
    expect(pc.calls).toEqual([]);
    expect(t.signals).toEqual([]);
  });

  it('closed before the connection exists: none is created', async () => {
    let created = 0;
    const peer = new PeerSession({
      sessionId: 's',
      initiator: true,
      iceServers: new Promise((r) => setTimeout(() => r([]), 5)),
      localStream,
      createPc: () => {
        created++;
        return new FakePc() as unknown as RTCPeerConnection;
      },
      callbacks: { signal: () => undefined, state: () => undefined, remoteStream: () => undefined },
    });
    peer.close();
    await new Promise((r) => setTimeout(r, 20));
    expect(created).toBe(0);
  });
});

describe('file data channel and data saver (issue 14)', () => {
  it('both sides create the same negotiated channel before any offer', async () => {
    for (const initiator of [true, false]) {
      const t = make(initiator);
      await settle();
      expect(t.pc.channels).toEqual([{ label: 'files', init: { negotiated: true, id: 0, ordered: true } }]);
    }
  });

  it('a data-only connection (text chat) adds no media, and still only the initiator offers', async () => {
    const a = make(true, { media: false });
    const b = make(false, { media: false });
    await settle();
    expect(a.pc.tracks).toBe(0);
    expect(a.pc.channels.length).toBe(1);
    expect(b.pc.onnegotiationneeded).toBeNull();
    a.pc.onnegotiationneeded?.();
    await settle();
    expect(a.signals).toEqual([{ sdp: { type: 'offer', sdp: 'offer-0' } }]);
  });

  it('data saver scales a wide track down to the cap and limits frame rate and bitrate', () => {
    const cap = { maxWidth: 320, maxFramerate: 15, maxBitrate: 150_000 };
    expect(capEncoding(640, cap)).toEqual({ scaleResolutionDownBy: 2, maxFramerate: 15, maxBitrate: 150_000 });
    expect(capEncoding(1280, cap).scaleResolutionDownBy).toBe(4);
    expect(capEncoding(200, cap).scaleResolutionDownBy).toBe(1);
    expect(capEncoding(640, null)).toEqual({ scaleResolutionDownBy: 1 });
  });
});
