// The controller runs the chat machine: it owns the socket, the camera stream and the
// peer connection, turns their events into machine actions and carries out the
// machine's effects. React reads its snapshot through useSyncExternalStore.

import { initialState, LINES, reduce, type Action, type ChatState, type Effect } from '../chat/chatMachine';
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
  type ReportReason,
  type TurnCredentials,
} from '../chat/protocol';
import { ReconnectingSocket } from '../chat/socket';
import { TypingNotifier } from '../chat/typing';
import { transcriptFileName, transcriptText } from '../chat/transcript';
import { FileChannel, type DataChannelLike } from '../files/fileChannel';
import { getLocalMedia, MediaUnavailable, describeMediaError } from '../rtc/media';
import { PeerSession } from '../rtc/peer';
import { DATA_SAVER, STRANGER_TYPING_MAX_MS } from '../settings';
import { TitleFlash } from './titleFlash';

export interface ViewState {
  chat: ChatState;
  localStream: MediaStream | null;
  remoteStream: MediaStream | null;
  micOn: boolean;
  camOn: boolean;
  /** What "Your video" shows: the camera, or the screen while sharing it. */
  previewStream: MediaStream | null;
  screenSharing: boolean;
  /** getDisplayMedia exists (desktop browsers; most phones have none). */
  canShareScreen: boolean;
  dataSaver: boolean;
  /** The browser says it is offline and the server can't be reached. */
  offline: boolean;
  /** "Hide my IP address" is on (remembered on this device). */
  hideIp: boolean;
  /** The server has a TURN relay (GET /config); null until it has answered. */
  turnAvailable: boolean | null;
}

const SETTINGS_KEY = 'parley.settings';

interface StoredSettings {
  dataSaver: boolean;
  autoReroll: boolean;
}

function loadSettings(): StoredSettings {
  try {
    const o: unknown = JSON.parse(window.localStorage.getItem(SETTINGS_KEY) ?? '{}');
    const r = (typeof o === 'object' && o !== null ? o : {}) as Record<string, unknown>;
    return { dataSaver: r.dataSaver === true, autoReroll: r.autoReroll === true };
  } catch {
    return { dataSaver: false, autoReroll: false };
  }
}

function saveSettings(v: StoredSettings): void {
  try {
    window.localStorage.setItem(SETTINGS_KEY, JSON.stringify(v));
  } catch {
    /* private mode: for this visit only */
  }
}

/** Test hook: what arrived on the file channel. */
export interface FileStats {
  binaryBytesReceived: number;
  received: Array<{ name: string; blob: Blob }>;
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
    __parley?: {
      readonly pc: RTCPeerConnection | null;
      readonly sessionId: string | null;
      readonly phase: string;
      readonly files: FileStats;
    };
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
  private files: FileChannel | null = null;
  /** Files picked by the user, by transfer id, until offered and sent. */
  private readonly pickedFiles = new Map<string, File>();
  /** Object URLs handed to the view (received files): revoked with their chat. */
  private readonly objectUrls = new Set<string>();
  private fileStats: FileStats = { binaryBytesReceived: 0, received: [] };
  private screenTrack: MediaStreamTrack | null = null;
  private previewStream: MediaStream | null = null;
  private settings: StoredSettings = loadSettings();
  private rerollTimer: ReturnType<typeof setInterval> | null = null;
  private typingTimer: ReturnType<typeof setTimeout> | null = null;
  private typingTimerGen = -1;
  private readonly titleFlash = new TitleFlash(document);
  private lastLogId = 0;
  private nextFileId = 1;
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
    if (this.settings.autoReroll) this.dispatch({ type: 'ui/autoReroll', on: true });
    window.addEventListener('online', this.onBrowserOnline);
    window.addEventListener('offline', () => this.emit());
    const back = () => this.titleFlash.stop();
    document.addEventListener('visibilitychange', () => !document.hidden && back());
    window.addEventListener('focus', back);
    window.addEventListener('keydown', back);
    window.addEventListener('pointermove', back);
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
      get files() {
        return {
          binaryBytesReceived: self.fileStats.binaryBytesReceived + (self.files?.binaryBytesReceived ?? 0),
          received: [...self.fileStats.received],
        };
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

  private get isOffline(): boolean {
    // Only after a connection attempt failed: a page in a network without a default route
    // (navigator.onLine false) can still reach its own server.
    return navigator.onLine === false && this.state.conn === 'reconnecting';
  }

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
      previewStream: this.previewStream ?? this.localStream,
      screenSharing: this.screenTrack !== null,
      canShareScreen: typeof navigator.mediaDevices?.getDisplayMedia === 'function',
      dataSaver: this.settings.dataSaver,
      offline: this.isOffline,
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
  report(reason: ReportReason, comment: string): void {
    this.dispatch({ type: 'ui/report', reason, comment });
  }
  block(): void {
    this.dispatch({ type: 'ui/block' });
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
  escape(): void {
    this.dispatch({ type: 'ui/escape' });
  }
  setAutoReroll(on: boolean): void {
    this.settings = { ...this.settings, autoReroll: on };
    saveSettings(this.settings);
    this.dispatch({ type: 'ui/autoReroll', on });
  }
  cancelReroll(): void {
    this.dispatch({ type: 'ui/cancelReroll' });
  }

  // -- files ----------------------------------------------------------------------

  sendFile(file: File): void {
    const id = `${Date.now().toString(36)}-${this.nextFileId++}`;
    this.pickedFiles.set(id, file);
    this.dispatch({ type: 'ui/sendFile', id, name: file.name, size: file.size, mime: file.type });
  }
  acceptFile(id: string): void {
    this.dispatch({ type: 'ui/acceptFile', id });
  }
  declineFile(id: string): void {
    this.dispatch({ type: 'ui/declineFile', id });
  }
  cancelFile(id: string): void {
    this.dispatch({ type: 'ui/cancelFile', id });
  }
  directConfirm(): void {
    this.dispatch({ type: 'ui/directConfirm' });
  }
  directCancel(): void {
    this.dispatch({ type: 'ui/directCancel' });
  }
  directAllow(): void {
    this.dispatch({ type: 'ui/directAllow' });
  }
  directRefuse(): void {
    this.dispatch({ type: 'ui/directRefuse' });
  }

  /** "Save chat": the log as a text file, made here; nothing goes to the server. */
  saveTranscript(): void {
    const now = new Date();
    const blob = new Blob([transcriptText(this.state.log, this.state.chatType, now)], { type: 'text/plain;charset=utf-8' });
    const url = URL.createObjectURL(blob);
    const a = document.createElement('a');
    a.href = url;
    a.download = transcriptFileName(now);
    a.rel = 'noopener';
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  }

  // -- screen sharing and data saver ----------------------------------------------

  async shareScreen(): Promise<void> {
    const md = navigator.mediaDevices;
    if (!this.peer || this.screenTrack || typeof md?.getDisplayMedia !== 'function') return;
    const peer = this.peer;
    let stream: MediaStream;
    try {
      stream = await md.getDisplayMedia({ video: true, audio: false });
    } catch (err) {
      console.warn('[parley] screen sharing was not started', err);
      return;
    }
    const track = stream.getVideoTracks()[0];
    if (!track || this.peer !== peer || peer.isClosed) {
      stream.getTracks().forEach((t) => t.stop());
      return;
    }
    // Text and slides stay sharp: keep the resolution, drop frames when short of bandwidth.
    track.contentHint = 'detail';
    this.screenTrack = track;
    this.previewStream = new MediaStream([track]);
    // The browser's own "Stop sharing" bar ends the track.
    track.addEventListener('ended', () => void this.stopSharing());
    this.emit();
    await peer.replaceVideoTrack(track).catch((err) => console.warn('[parley] replaceTrack failed', err));
  }

  async stopSharing(): Promise<void> {
    const track = this.screenTrack;
    if (!track) return;
    this.screenTrack = null;
    this.previewStream = null;
    track.stop();
    this.emit();
    const camera = this.localStream?.getVideoTracks()[0];
    if (camera && this.peer && !this.peer.isClosed) {
      await this.peer.replaceVideoTrack(camera).catch((err) => console.warn('[parley] replaceTrack failed', err));
    }
  }

  setDataSaver(on: boolean): void {
    this.settings = { ...this.settings, dataSaver: on };
    saveSettings(this.settings);
    void this.peer?.setVideoCap(on ? DATA_SAVER : null);
    this.emit();
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
    this.afterDispatch();
    this.emit();
  };

  /** Timers and notices that follow the state: reroll countdown, typing expiry, title. */
  private afterDispatch(): void {
    const s = this.state;
    if (s.reroll !== null && this.rerollTimer === null) {
      this.rerollTimer = setInterval(() => this.dispatch({ type: 'reroll/tick' }), 1000);
    } else if (s.reroll === null && this.rerollTimer !== null) {
      clearInterval(this.rerollTimer);
      this.rerollTimer = null;
    }
    if (s.strangerTyping && this.typingTimerGen !== s.typingGen) {
      if (this.typingTimer !== null) clearTimeout(this.typingTimer);
      const gen = s.typingGen;
      this.typingTimerGen = gen;
      this.typingTimer = setTimeout(() => this.dispatch({ type: 'typing/expired', gen }), STRANGER_TYPING_MAX_MS);
    }
    const last = s.log[s.log.length - 1];
    if (last && last.id !== this.lastLogId) {
      const fresh = s.log.filter((e) => e.id > this.lastLogId);
      this.lastLogId = last.id;
      if (fresh.some((e) => e.kind === 'stranger')) this.titleFlash.notify('New message – parley');
      else if (fresh.some((e) => e.text === LINES.partnerLeft)) this.titleFlash.notify('Stranger left – parley');
    }
    if (s.transfers.some((t) => t.direction === 'in' && t.status === 'offered')) this.titleFlash.notify('File offered – parley');
  }

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
        this.openPeer(effect.sessionId, effect.initiator, effect.media, effect.turn);
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
      case 'file/offer': {
        const file = this.pickedFiles.get(effect.id);
        if (file && this.files) this.files.offer(effect.id, file);
        return;
      }
      case 'file/accept':
        this.files?.accept(effect.id);
        return;
      case 'file/decline':
        this.files?.decline(effect.id);
        return;
      case 'file/cancel':
        this.files?.cancel(effect.id);
        this.pickedFiles.delete(effect.id);
        return;
      case 'file/forget':
        this.pickedFiles.delete(effect.id);
        return;
      case 'files/reset':
        this.resetFiles();
        return;
    }
  }

  private resetFiles(): void {
    for (const url of this.objectUrls) URL.revokeObjectURL(url);
    this.objectUrls.clear();
    this.pickedFiles.clear();
    this.fileStats = { binaryBytesReceived: 0, received: [] };
  }

  private attachFiles(channel: RTCDataChannel, sessionId: string): void {
    const d = this.dispatch;
    const files = new FileChannel(channel as unknown as DataChannelLike, {
      open: () => d({ type: 'file/channel', sessionId, open: true }),
      closed: () => d({ type: 'file/channel', sessionId, open: false }),
      offered: (o) => d({ type: 'file/offered', sessionId, ...o }),
      accepted: (id) => d({ type: 'file/accepted', sessionId, id }),
      declined: (id) => {
        this.pickedFiles.delete(id);
        d({ type: 'file/declined', sessionId, id });
      },
      cancelled: (id) => {
        this.pickedFiles.delete(id);
        d({ type: 'file/cancelled', sessionId, id });
      },
      progress: (id, bytes) => d({ type: 'file/progress', sessionId, id, bytes }),
      done: (id, blob) => {
        let url: string | null = null;
        const picked = this.pickedFiles.get(id);
        this.pickedFiles.delete(id);
        const t = this.state.transfers.find((x) => x.id === id);
        if (blob && t) {
          url = URL.createObjectURL(blob);
          this.objectUrls.add(url);
          this.fileStats.received.push({ name: t.name, blob });
        } else if (picked && /^image\/(png|jpeg|gif|webp|avif)$/.test(picked.type)) {
          url = URL.createObjectURL(picked); // our own image, for the preview
          this.objectUrls.add(url);
        }
        d({ type: 'file/done', sessionId, id, url });
      },
      failed: (id) => {
        this.pickedFiles.delete(id);
        d({ type: 'file/failed', sessionId, id });
      },
    });
    this.files = files;
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

  private openPeer(sessionId: string, initiator: boolean, media: boolean, turn?: TurnCredentials): void {
    this.closePeer();
    const peer = new PeerSession({
      sessionId,
      initiator,
      media,
      iceServers: this.loadIceServers(),
      turn,
      // Hiding the IP is a promise to the user: relay only, whatever the server sent.
      // (When the server said it has no relay, the option shows as unavailable and is off.)
      relayOnly: this.hideIp && this.turnAvailable !== false,
      localStream: media ? this.localStream : null,
      callbacks: {
        dataChannel: (channel) => {
          if (this.peer === peer) this.attachFiles(channel, sessionId);
        },
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
    if (media && this.settings.dataSaver) void peer.setVideoCap(DATA_SAVER);
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
    if (this.files) {
      this.fileStats.binaryBytesReceived += this.files.binaryBytesReceived;
      this.files.close();
      this.files = null;
    }
    // A shared screen belongs to one chat: never carry it over to the next stranger.
    if (this.screenTrack) {
      this.screenTrack.stop();
      this.screenTrack = null;
      this.previewStream = null;
    }
    this.peer?.close();
    this.peer = null;
    this.remoteStream = null;
  }
}
