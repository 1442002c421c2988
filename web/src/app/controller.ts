// The controller runs the chat machine: it owns the socket, the camera stream and the
// peer connection, turns their events into machine actions and carries out the
// machine's effects. React reads its snapshot through useSyncExternalStore.

import { initialState, reduce, type Action, type ChatState, type Effect } from '../chat/chatMachine';
import {
  encodeClientMessage,
  parseClientLimits,
  parseHealthOnline,
  parseIceConfig,
  parseServerMessage,
  parseTurnAvailable,
  turnRefreshDelayMs,
  wsUrl,
  type IceServer,
  type TurnCredentials,
} from '../chat/protocol';
import { ReconnectingSocket } from '../chat/socket';
import { TypingNotifier } from '../chat/typing';
import { getLocalMedia, MediaUnavailable, describeMediaError } from '../rtc/media';
import { PeerSession } from '../rtc/peer';

export interface ViewState {
  chat: ChatState;
  localStream: MediaStream | null;
  remoteStream: MediaStream | null;
  micOn: boolean;
  camOn: boolean;
  /** "Hide my IP address" is on (remembered on this device). */
  hideIp: boolean;
  /** The server has a TURN relay (GET /config); null until it has answered. */
  turnAvailable: boolean | null;
}

/** Where "Hide my IP address" is remembered. */
export const HIDE_IP_KEY = 'parley.hideIp';

function readHideIp(): boolean {
  try {
    return window.localStorage.getItem(HIDE_IP_KEY) === '1';
  } catch {
    return false;
  }
}

declare global {
  interface Window {
    /** Read-only hook for end-to-end tests (peer connection stats); changes nothing. */
    __parley?: { readonly pc: RTCPeerConnection | null; readonly sessionId: string | null; readonly phase: string };
  }
}

async function fetchJson(path: string): Promise<unknown> {
  const res = await fetch(path, { headers: { Accept: 'application/json' }, cache: 'no-store' });
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return res.json();
}

export class Controller {
  private state: ChatState = initialState();
  private snapshot: ViewState;
  private listeners = new Set<() => void>();
  private queue: Action[] = [];
  private dispatching = false;

  private readonly socket: ReconnectingSocket;
  private readonly typing: TypingNotifier;
  private peer: PeerSession | null = null;
  private localStream: MediaStream | null = null;
  private remoteStream: MediaStream | null = null;
  private micOn = true;
  private camOn = true;
  private iceServers: Promise<IceServer[]> | null = null;
  private started = false;
  private hideIp = readHideIp();
  private turnAvailable: boolean | null = null;
  private turnTimer: ReturnType<typeof setTimeout> | null = null;

  constructor() {
    this.snapshot = this.buildSnapshot();
    this.typing = new TypingNotifier((active) => this.dispatch({ type: 'ui/typing', active }));
    this.socket = new ReconnectingSocket({
      url: wsUrl(window.location),
      onOpen: () => this.dispatch({ type: 'socket/open' }),
      onMessage: (data) => {
        const msg = parseServerMessage(data);
        if (msg) this.dispatch({ type: 'server', msg });
      },
      onDrop: () => this.dispatch({ type: 'socket/closed' }),
    });
  }

  // -- lifecycle ------------------------------------------------------------

  start(): void {
    if (this.started) return;
    this.started = true;
    this.socket.start();
    // The limits are needed before the first chat; the ICE servers are kept for it.
    void this.loadIceServers();
    window.addEventListener('online', this.onBrowserOnline);
    window.addEventListener('pagehide', this.onPageHide);
    // Back from the back/forward cache: the old participant was ended, start afresh.
    window.addEventListener('pageshow', (e) => {
      if (e.persisted) window.location.reload();
    });
    const self = this;
    window.__parley = {
      get pc() {
        return self.peer?.pc ?? null;
      },
      get sessionId() {
        return self.state.sessionId;
      },
      get phase() {
        return self.state.phase;
      },
    };
    fetchJson('/health')
      .then((body) => {
        const online = parseHealthOnline(body);
        if (online !== null && this.state.online === null) this.dispatch({ type: 'health', online });
      })
      .catch(() => undefined);
  }

  private onBrowserOnline = (): void => this.socket.reconnectNow();

  /**
   * Leaving the page is leaving the chat. A WebSocket close frame often does not get
   * out while the page unloads (the server then waits RESUME_GRACE_S before telling
   * the stranger), so the participant is also ended through POST /disconnect, which
   * a keepalive request delivers after the page is gone.
   */
  private onPageHide = (): void => {
    const token = this.state.token;
    if (token && this.state.conn !== 'replaced') {
      try {
        void fetch('/disconnect', {
          method: 'POST',
          keepalive: true,
          headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
          body: '{}',
        }).catch(() => undefined);
      } catch {
        /* nothing more can be done while unloading */
      }
    }
    this.closePeer();
    this.releaseMedia();
    this.socket.close();
  };

  // -- store for React --------------------------------------------------------

  subscribe = (fn: () => void): (() => void) => {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  };

  getSnapshot = (): ViewState => this.snapshot;

  private buildSnapshot(): ViewState {
    return {
      chat: this.state,
      localStream: this.localStream,
      remoteStream: this.remoteStream,
      micOn: this.micOn,
      camOn: this.camOn,
      hideIp: this.hideIp,
      turnAvailable: this.turnAvailable,
    };
  }

  private emit(): void {
    this.snapshot = this.buildSnapshot();
    for (const fn of this.listeners) fn();
  }

  // -- user actions -------------------------------------------------------------

  startChat(chatType: 'text' | 'video', interests: string[]): void {
    if (chatType === 'video') this.loadIceServers();
    this.dispatch({ type: 'ui/start', chatType, interests });
  }
  next(): void {
    this.dispatch({ type: 'ui/next' });
  }
  stop(): void {
    this.dispatch({ type: 'ui/stop' });
  }
  send(text: string): void {
    this.dispatch({ type: 'ui/send', text });
  }
  input(text: string): void {
    this.typing.input(text);
  }
  dismissNotice(): void {
    this.dispatch({ type: 'ui/dismissNotice' });
  }

  setHideIp(on: boolean): void {
    this.hideIp = on;
    try {
      window.localStorage.setItem(HIDE_IP_KEY, on ? '1' : '0');
    } catch {
      /* private mode: remembered for this page only */
    }
    this.emit();
  }

  toggleMic(): void {
    this.micOn = !this.micOn;
    this.localStream?.getAudioTracks().forEach((t) => (t.enabled = this.micOn));
    this.emit();
  }
  toggleCam(): void {
    this.camOn = !this.camOn;
    this.localStream?.getVideoTracks().forEach((t) => (t.enabled = this.camOn));
    this.emit();
  }

  // -- machine --------------------------------------------------------------------

  dispatch = (action: Action): void => {
    this.queue.push(action);
    if (this.dispatching) return;
    this.dispatching = true;
    try {
      let next: Action | undefined;
      while ((next = this.queue.shift())) {
        const step = reduce(this.state, next);
        this.state = step.state;
        for (const effect of step.effects) this.run(effect);
      }
    } finally {
      this.dispatching = false;
    }
    this.emit();
  };

  private run(effect: Effect): void {
    switch (effect.kind) {
      case 'send':
        this.socket.send(encodeClientMessage(effect.msg));
        return;
      case 'media/acquire':
        void this.acquireMedia(effect.request);
        return;
      case 'media/release':
        this.releaseMedia();
        return;
      case 'peer/open':
        this.openPeer(effect.sessionId, effect.initiator, effect.turn);
        return;
      case 'peer/turn':
        if (this.peer && this.peer.sessionId === effect.sessionId) {
          this.peer.updateTurn(effect.turn);
          this.scheduleTurnRefresh(effect.sessionId, effect.turn);
        }
        return;
      case 'peer/signal':
        if (this.peer && this.peer.sessionId === effect.sessionId) this.peer.handleSignal(effect.data);
        return;
      case 'peer/close':
        this.closePeer();
        return;
      case 'typing/reset':
        this.typing.reset();
        return;
      case 'socket/close':
        this.socket.close();
        return;
    }
  }

  /** GET /config: the ICE servers, and the limits the server enforces (the chat
   * machine and the views check input against them instead of constants). */
  private loadIceServers(): Promise<IceServer[]> {
    if (!this.iceServers) {
      this.iceServers = fetchJson('/config')
        .then((body) => {
          this.turnAvailable = parseTurnAvailable(body);
          this.dispatch({ type: 'config', limits: parseClientLimits(body) });
          return parseIceConfig(body);
        })
        .catch(() => {
          this.iceServers = null; // try again next time
          return [];
        });
    }
    return this.iceServers;
  }

  private async acquireMedia(request: number): Promise<void> {
    try {
      const stream = await getLocalMedia(navigator.mediaDevices);
      if (this.state.phase !== 'media' || this.state.mediaRequest !== request) {
        stream.getTracks().forEach((t) => t.stop());
        return;
      }
      this.releaseMedia();
      this.localStream = stream;
      this.micOn = true;
      this.camOn = true;
      this.dispatch({ type: 'media/ready', request });
    } catch (err) {
      const message = err instanceof MediaUnavailable ? err.message : describeMediaError('');
      this.dispatch({ type: 'media/failed', request, message });
    }
  }

  private releaseMedia(): void {
    this.localStream?.getTracks().forEach((t) => t.stop());
    this.localStream = null;
    this.micOn = true;
    this.camOn = true;
  }

  private openPeer(sessionId: string, initiator: boolean, turn?: TurnCredentials): void {
    this.closePeer();
    const peer = new PeerSession({
      sessionId,
      initiator,
      iceServers: this.loadIceServers(),
      turn,
      // Hiding the IP is a promise to the user: relay only, whatever the server sent.
      // (When the server said it has no relay, the option shows as unavailable and is off.)
      relayOnly: this.hideIp && this.turnAvailable !== false,
      localStream: this.localStream,
      callbacks: {
        // Everything is tagged with the session: a late event of an old chat is dropped.
        signal: (data) => this.dispatch({ type: 'rtc/signal', sessionId, data }),
        state: (state, relayed) => this.dispatch({ type: 'rtc/state', sessionId, state, relayed }),
        remoteStream: (stream) => {
          if (this.peer !== peer) return;
          this.remoteStream = stream;
          this.emit();
        },
        log: (message, err) => console.warn(`[parley] ${message}`, err),
      },
    });
    this.peer = peer;
    if (turn) this.scheduleTurnRefresh(sessionId, turn);
  }

  /** Asks for fresh TURN credentials before these run out (a chat that outlives them). */
  private scheduleTurnRefresh(sessionId: string, turn: TurnCredentials): void {
    if (this.turnTimer) clearTimeout(this.turnTimer);
    this.turnTimer = setTimeout(() => {
      this.turnTimer = null;
      this.dispatch({ type: 'turn/refresh', sessionId });
    }, turnRefreshDelayMs(turn.ttl_s));
  }

  private closePeer(): void {
    if (this.turnTimer) clearTimeout(this.turnTimer);
    this.turnTimer = null;
    this.peer?.close();
    this.peer = null;
    this.remoteStream = null;
  }
}
