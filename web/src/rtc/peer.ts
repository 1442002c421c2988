// WebRTC glue for one video chat (one session): an RTCPeerConnection, trickle ICE, and
// the offer/answer rules of parley:
// - only the initiator ever creates offers (first negotiation and any renegotiation);
//   the other side only answers;
// - remote ICE candidates that arrive before the remote description are queued;
// - every signal is handled in order on one promise chain, so a candidate is never
//   applied before the description it belongs to;
// - after close() nothing of this session reaches the app any more.
// The RTCPeerConnection constructor is injectable for unit tests (peer.test.ts).

import type { RtcStatus } from '../chat/chatMachine';
import { turnIceServer, type IceServer, type TurnCredentials } from '../chat/protocol';

export interface PeerCallbacks {
  /** A payload for the partner: `{sdp:{type,sdp}}` or `{candidate:{...}}`. */
  signal(data: Record<string, unknown>): void;
  /** `relayed`: with 'connected', whether the selected ICE pair goes through the TURN relay. */
  state(state: RtcStatus, relayed?: boolean): void;
  remoteStream(stream: MediaStream): void;
  /** The file data channel of this session (created on both sides, negotiated id 0). */
  dataChannel?(channel: RTCDataChannel): void;
  log?(message: string, err?: unknown): void;
}

/** Caps for the video we send (data saver); null sends what the track gives. */
export interface VideoCap {
  maxWidth: number;
  maxFramerate: number;
  maxBitrate: number;
}

/** Encoding parameters that keep a track of `width` px within `cap`. */
export function capEncoding(width: number | undefined, cap: VideoCap | null): RTCRtpEncodingParameters {
  if (!cap) return { scaleResolutionDownBy: 1 };
  const scale = width && width > cap.maxWidth ? width / cap.maxWidth : 1;
  return { scaleResolutionDownBy: scale, maxFramerate: cap.maxFramerate, maxBitrate: cap.maxBitrate };
}

export interface PeerOptions {
  sessionId: string;
  initiator: boolean;
  iceServers: Promise<IceServer[]>;
  /** This chat's TURN credentials (from `matched`), if the server has a relay. */
  turn?: TurnCredentials;
  /** "Hide my IP address": gather relay candidates only, so the partner never sees our address. */
  relayOnly?: boolean;
  localStream: MediaStream | null;
  /** false: a data-only connection (a text chat's file transfer). Default true. */
  media?: boolean;
  callbacks: PeerCallbacks;
  createPc?: (config: RTCConfiguration) => RTCPeerConnection;
}

type SdpInit = { type: 'offer' | 'answer'; sdp: string };

function parseSdp(v: unknown): SdpInit | null {
  if (typeof v !== 'object' || v === null) return null;
  const o = v as Record<string, unknown>;
  if ((o.type !== 'offer' && o.type !== 'answer') || typeof o.sdp !== 'string') return null;
  return { type: o.type, sdp: o.sdp };
}

function parseCandidate(v: unknown): RTCIceCandidateInit | null {
  if (typeof v !== 'object' || v === null) return null;
  const o = v as Record<string, unknown>;
  if (typeof o.candidate !== 'string') return null;
  const c: RTCIceCandidateInit = { candidate: o.candidate };
  if (typeof o.sdpMid === 'string' || o.sdpMid === null) c.sdpMid = o.sdpMid as string | null;
  if (typeof o.sdpMLineIndex === 'number' || o.sdpMLineIndex === null) c.sdpMLineIndex = o.sdpMLineIndex as number | null;
  if (typeof o.usernameFragment === 'string') c.usernameFragment = o.usernameFragment;
  return c;
}

export class PeerSession {
  readonly sessionId: string;
  readonly initiator: boolean;
  pc: RTCPeerConnection | null = null;
  private closed = false;
  private chain: Promise<void>;
  private pendingCandidates: RTCIceCandidateInit[] = [];
  private remoteStreamObj: MediaStream | null = null;
  private videoCap: VideoCap | null = null;
  /** A track sent instead of the camera (a shared screen), also before setup ran. */
  private videoOverride: MediaStreamTrack | null = null;
  private config: RTCConfiguration | null = null;
  private stun: IceServer[] = [];

  constructor(private readonly o: PeerOptions) {
    this.sessionId = o.sessionId;
    this.initiator = o.initiator;
    this.chain = o.iceServers
      .catch(() => [] as IceServer[])
      .then((servers) => this.setup(servers))
      .catch((err) => this.fail('setup', err));
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** A payload the partner sent (already checked to belong to this session). */
  handleSignal(data: Record<string, unknown>): void {
    if (this.closed) return;
    this.enqueue(() => this.onSignal(data));
  }

  /** Fresh TURN credentials (the old ones expire soon): the initiator restarts ICE with them. */
  updateTurn(turn: TurnCredentials): void {
    if (this.closed) return;
    this.enqueue(async () => {
      const pc = this.pc;
      if (!pc || !this.config) return;
      this.config = { ...this.config, iceServers: [...this.stun, turnIceServer(turn)] };
      pc.setConfiguration(this.config);
      // Only the initiator offers, so only it restarts ICE; the answerer gathers with the
      // new credentials when the restart offer arrives.
      if (this.initiator) pc.restartIce();
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.pendingCandidates = [];
    const pc = this.pc;
    if (!pc) return;
    pc.onicecandidate = null;
    pc.ontrack = null;
    pc.onnegotiationneeded = null;
    pc.onconnectionstatechange = null;
    pc.oniceconnectionstatechange = null;
    // Stops every transceiver, so the remote tracks end too. Our camera tracks belong to
    // the app (they are reused for the next stranger) and are not stopped here.
    pc.close();
    this.remoteStreamObj?.getTracks().forEach((t) => t.stop());
  }

  private enqueue(task: () => Promise<void>): void {
    this.chain = this.chain.then(() => (this.closed ? undefined : task())).catch((err) => this.fail('signal', err));
  }

  private fail(where: string, err: unknown): void {
    if (this.closed) return;
    this.o.callbacks.log?.(`webrtc ${where} failed`, err);
  }

  private setup(stun: IceServer[]): void {
    if (this.closed) return;
    this.stun = stun;
    const iceServers = this.o.turn ? [...stun, turnIceServer(this.o.turn)] : [...stun];
    // Relay only means exactly that, even without TURN credentials: the connection then
    // fails (and says so) instead of quietly showing our address.
    const config: RTCConfiguration = {
      iceServers,
      iceTransportPolicy: this.o.relayOnly ? 'relay' : 'all',
      bundlePolicy: 'max-bundle',
      rtcpMuxPolicy: 'require',
    };
    this.config = config;
    const pc = this.o.createPc ? this.o.createPc(config) : new RTCPeerConnection(config);
    this.pc = pc;
    const cb = this.o.callbacks;

    pc.onicecandidate = (ev) => {
      if (this.closed || !ev.candidate) return;
      cb.signal({ candidate: ev.candidate.toJSON() });
    };
    pc.ontrack = (ev) => {
      if (this.closed) return;
      let stream = ev.streams[0];
      if (!stream) {
        stream = this.remoteStreamObj ?? new MediaStream();
        stream.addTrack(ev.track);
      }
      this.remoteStreamObj = stream;
      cb.remoteStream(stream);
    };
    pc.onconnectionstatechange = () => {
      if (this.closed) return;
      switch (pc.connectionState) {
        case 'connected':
          void this.relayed(pc).then((relayed) => {
            if (!this.closed && pc.connectionState === 'connected') cb.state('connected', relayed);
          });
          if (this.videoCap) void this.applyVideoCap();
          break;
        case 'failed':
          cb.state('failed');
          // Only the initiator offers, so only it may restart ICE.
          if (this.initiator) pc.restartIce();
          break;
        case 'disconnected':
        case 'connecting':
          cb.state('connecting');
          break;
        default:
          break;
      }
    };
    if (this.initiator) {
      pc.onnegotiationneeded = () => {
        if (!this.closed) this.enqueue(() => this.offer());
      };
    }

    // The file channel is part of the first offer, so adding it never renegotiates.
    // Negotiated with a fixed id on both sides: no in-band open handshake to lose.
    const channel = pc.createDataChannel('files', { negotiated: true, id: 0, ordered: true });
    cb.dataChannel?.(channel);

    if (this.o.media === false) return;
    const stream = this.o.localStream;
    if (stream) {
      for (const track of stream.getTracks()) {
        pc.addTrack(track.kind === 'video' && this.videoOverride ? this.videoOverride : track, stream);
      }
      if (this.videoCap) void this.applyVideoCap();
    } else {
      // No camera stream (should not happen for video): still receive the partner.
      pc.addTransceiver('video', { direction: 'recvonly' });
      pc.addTransceiver('audio', { direction: 'recvonly' });
    }
  }

  /** Whether the selected candidate pair has a relay candidate on either end. */
  private async relayed(pc: RTCPeerConnection): Promise<boolean> {
    try {
      const stats = await pc.getStats();
      const byId = new Map<string, Record<string, unknown>>();
      stats.forEach((s: Record<string, unknown>) => byId.set(s.id as string, s));
      for (const s of byId.values()) {
        if (s.type !== 'transport' || typeof s.selectedCandidatePairId !== 'string') continue;
        const pair = byId.get(s.selectedCandidatePairId);
        if (!pair) continue;
        const local = byId.get(pair.localCandidateId as string);
        const remote = byId.get(pair.remoteCandidateId as string);
        return local?.candidateType === 'relay' || remote?.candidateType === 'relay';
      }
    } catch {
      /* no stats: say nothing about the relay */
    }
    return this.o.relayOnly === true;
  }

  private async offer(): Promise<void> {
    const pc = this.pc;
    if (!pc || !this.initiator || pc.signalingState !== 'stable') return;
    await pc.setLocalDescription();
    if (this.closed) return;
    this.sendDescription(pc.localDescription);
  }

  private sendDescription(desc: RTCSessionDescription | null): void {
    if (!desc || this.closed) return;
    this.o.callbacks.signal({ sdp: { type: desc.type, sdp: desc.sdp } });
  }

  private async onSignal(data: Record<string, unknown>): Promise<void> {
    const pc = this.pc;
    if (!pc) return;
    const sdp = parseSdp(data.sdp);
    if (sdp) {
      if (sdp.type === 'offer') {
        // The initiator never takes an offer: it is the only side that makes them.
        if (this.initiator) return;
        await pc.setRemoteDescription(sdp);
        await this.flushCandidates();
        if (this.closed) return;
        await pc.setLocalDescription();
        this.sendDescription(pc.localDescription);
      } else {
        if (!this.initiator || pc.signalingState !== 'have-local-offer') return;
        await pc.setRemoteDescription(sdp);
        await this.flushCandidates();
      }
      return;
    }
    const candidate = parseCandidate(data.candidate);
    if (candidate) {
      if (!pc.remoteDescription) {
        this.pendingCandidates.push(candidate);
        return;
      }
      await this.addCandidate(candidate);
    }
  }

  private async flushCandidates(): Promise<void> {
    const queued = this.pendingCandidates;
    this.pendingCandidates = [];
    for (const c of queued) await this.addCandidate(c);
  }

  private async addCandidate(c: RTCIceCandidateInit): Promise<void> {
    if (this.closed || !this.pc) return;
    try {
      await this.pc.addIceCandidate(c);
    } catch (err) {
      // A bad candidate must not stop the ones after it.
      this.fail('addIceCandidate', err);
    }
  }

  /**
   * Sends `track` instead of the current video (screen sharing and back). replaceTrack
   * needs no renegotiation, so the "only the initiator offers" rule is untouched.
   */
  async replaceVideoTrack(track: MediaStreamTrack): Promise<void> {
    const camera = this.o.localStream?.getVideoTracks()[0] ?? null;
    this.videoOverride = track === camera ? null : track;
    const sender = this.videoSender();
    if (!sender || this.closed) return;
    await sender.replaceTrack(track);
    await this.applyVideoCap();
  }

  /** Data saver: caps resolution, frame rate and bitrate of the video we send. */
  async setVideoCap(cap: VideoCap | null): Promise<void> {
    this.videoCap = cap;
    await this.applyVideoCap();
  }

  private videoSender(): RTCRtpSender | null {
    const pc = this.pc;
    if (!pc) return null;
    return pc.getSenders().find((s) => s.track?.kind === 'video') ?? pc.getTransceivers().find((t) => t.receiver.track.kind === 'video')?.sender ?? null;
  }

  private async applyVideoCap(): Promise<void> {
    const sender = this.videoSender();
    if (!sender || this.closed) return;
    const params = sender.getParameters();
    if (!params.encodings || params.encodings.length === 0) return; // before negotiation: applied again later
    const width = sender.track?.getSettings().width;
    const want = capEncoding(width, this.videoCap);
    params.encodings = params.encodings.map((e, i) => {
      if (i > 0) return e;
      const next: RTCRtpEncodingParameters = { ...e, scaleResolutionDownBy: want.scaleResolutionDownBy };
      if (this.videoCap) {
        next.maxFramerate = want.maxFramerate;
        next.maxBitrate = want.maxBitrate;
      } else {
        delete next.maxFramerate;
        delete next.maxBitrate;
      }
      return next;
    });
    try {
      await sender.setParameters(params);
    } catch (err) {
      this.fail('setParameters', err);
    }
  }

  /** For tests: queued candidates not yet applied. */
  get queuedCandidates(): number {
    return this.pendingCandidates.length;
  }
}
