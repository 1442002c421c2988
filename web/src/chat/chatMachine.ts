// The chat state machine: a pure reducer from (state, action) to (state, effects).
//
// It owns everything the protocol decides: which screen we are on, which session is
// current, what goes into the log, what is sent to the server and when, resume after a
// dropped socket, and which side of a video match may create WebRTC offers. It does no
// I/O itself: effects are carried out by the controller (src/app/controller.ts), which
// feeds results back in as actions. Unit-tested in chatMachine.test.ts.

import { commonInterestsLine } from './interests';
import {
  checkOutgoingMessage,
  DEFAULT_LIMITS,
  type ChatType,
  type ClientLimits,
  type ClientMessage,
  type ErrorMsg,
  type ServerMessage,
  type TurnCredentials,
} from './protocol';

export type Phase = 'landing' | 'media' | 'searching' | 'chatting' | 'ended';

/**
 * connecting: first socket not yet greeted; ready: socket usable; reconnecting: socket
 * dropped, a new one is on its way; resuming: new socket sent `resume`, awaiting `resumed`;
 * replaced: another tab took this participant over (terminal).
 */
export type ConnStatus = 'connecting' | 'ready' | 'reconnecting' | 'resuming' | 'replaced';

export type RtcStatus = 'new' | 'connecting' | 'connected' | 'failed';

export type LogKind = 'system' | 'you' | 'stranger' | 'error';
export interface LogEntry {
  id: number;
  kind: LogKind;
  text: string;
}

export const LINES = {
  matched: "You're now chatting with a random stranger. Say hi!",
  typing: 'Stranger is typing…',
  partnerLeft: 'Stranger has disconnected.',
  lostChat: 'Your connection was lost, so the chat ended.',
  replaced: 'This chat continued in another tab, so this tab was disconnected.',
  tooLong: (max: number) => `Messages can be at most ${max} characters.`,
  serverTooLarge: 'That message is too long, so it was not sent.',
  rateLimited: "You're sending messages too fast. Please slow down.",
  generic: (detail: string) => `Something went wrong: ${detail}`,
} as const;

export interface Notice {
  kind: 'media' | 'error';
  text: string;
}

export const MAX_LOG_ENTRIES = 500;
export const MAX_OUTBOX = 200;

export interface ChatState {
  phase: Phase;
  /** What the user asked for (text or video); null on the landing view. */
  chatType: ChatType | null;
  interests: string[];
  sessionId: string | null;
  initiator: boolean;
  commonInterests: string[];
  leftReason: string | null;
  log: LogEntry[];
  nextLogId: number;
  strangerTyping: boolean;
  /** Whether we told the partner we are typing (so `false` is sent once, not repeatedly). */
  selfTyping: boolean;
  online: number | null;
  conn: ConnStatus;
  userId: string | null;
  token: string | null;
  /** Highest event seq seen for this participant: `since` of the next resume. */
  lastSeq: number;
  /** Identity offered by the new socket's `hello` while we try to resume the old one. */
  pendingHello: { userId: string; token: string } | null;
  /** Messages waiting for the socket to be ready again. */
  outbox: ClientMessage[];
  /** Generation of camera requests: a late answer to an old request is dropped. */
  mediaRequest: number;
  /** Banner on the landing view: camera refused (text chat is offered), or an error. */
  notice: Notice | null;
  rtc: RtcStatus;
  /** The video goes through the TURN relay (the selected ICE pair has a relay candidate). */
  relayed: boolean;
  /** The longest message, from the server's limits. */
  maxChars: number;
  /** What the server accepts (GET /config); the defaults until it has answered. */
  limits: ClientLimits;
}

export type Action =
  | { type: 'socket/open' }
  | { type: 'socket/closed' }
  | { type: 'server'; msg: ServerMessage }
  | { type: 'health'; online: number }
  | { type: 'config'; limits: ClientLimits }
  | { type: 'ui/start'; chatType: ChatType; interests: string[] }
  | { type: 'media/ready'; request: number }
  | { type: 'media/failed'; request: number; message: string }
  | { type: 'ui/next' }
  | { type: 'ui/stop' }
  | { type: 'ui/send'; text: string }
  | { type: 'ui/typing'; active: boolean }
  | { type: 'ui/dismissNotice' }
  | { type: 'rtc/state'; sessionId: string; state: RtcStatus; relayed?: boolean }
  /** The TURN credentials of this chat run out soon: ask the server for fresh ones. */
  | { type: 'turn/refresh'; sessionId: string }
  | { type: 'rtc/signal'; sessionId: string; data: Record<string, unknown> };

export type Effect =
  | { kind: 'send'; msg: ClientMessage }
  | { kind: 'media/acquire'; request: number }
  | { kind: 'media/release' }
  | { kind: 'peer/open'; sessionId: string; initiator: boolean; turn?: TurnCredentials }
  /** Fresh TURN credentials for the open peer connection (the initiator restarts ICE). */
  | { kind: 'peer/turn'; sessionId: string; turn: TurnCredentials }
  | { kind: 'peer/signal'; sessionId: string; data: Record<string, unknown> }
  | { kind: 'peer/close' }
  | { kind: 'typing/reset' }
  | { kind: 'socket/close' };

export interface Step {
  state: ChatState;
  effects: Effect[];
}

export function initialState(limits: ClientLimits = DEFAULT_LIMITS): ChatState {
  return {
    phase: 'landing',
    chatType: null,
    interests: [],
    sessionId: null,
    initiator: false,
    commonInterests: [],
    leftReason: null,
    log: [],
    nextLogId: 1,
    strangerTyping: false,
    selfTyping: false,
    online: null,
    conn: 'connecting',
    userId: null,
    token: null,
    lastSeq: 0,
    pendingHello: null,
    outbox: [],
    mediaRequest: 0,
    notice: null,
    rtc: 'new',
    relayed: false,
    maxChars: limits.maxMessageChars,
    limits,
  };
}

// ---------------------------------------------------------------------------
// Small builders

class Builder {
  effects: Effect[] = [];
  constructor(public s: ChatState) {}

  set(patch: Partial<ChatState>): this {
    this.s = { ...this.s, ...patch };
    return this;
  }
  fx(e: Effect): this {
    this.effects.push(e);
    return this;
  }
  /** Sends now when the socket is ready, else keeps it for after the resume. */
  send(msg: ClientMessage): this {
    if (this.s.conn === 'ready') return this.fx({ kind: 'send', msg });
    const outbox = [...this.s.outbox, msg];
    if (outbox.length > MAX_OUTBOX) outbox.splice(0, outbox.length - MAX_OUTBOX);
    return this.set({ outbox });
  }
  flushOutbox(): this {
    const pending = this.s.outbox;
    this.set({ outbox: [] });
    for (const msg of pending) this.fx({ kind: 'send', msg });
    return this;
  }
  line(kind: LogKind, text: string): this {
    const log = [...this.s.log, { id: this.s.nextLogId, kind, text }];
    if (log.length > MAX_LOG_ENTRIES) log.splice(0, log.length - MAX_LOG_ENTRIES);
    return this.set({ log, nextLogId: this.s.nextLogId + 1 });
  }
  /** Forgets the current chat (not the identity or connection). */
  clearChat(): this {
    return this.set({
      sessionId: null,
      initiator: false,
      commonInterests: [],
      leftReason: null,
      log: [],
      strangerTyping: false,
      selfTyping: false,
      rtc: 'new',
      relayed: false,
    });
  }
  /** The chat is over but stays on screen until the user acts (Next or Stop). */
  endChat(reason: string, text: string): this {
    return this.fx({ kind: 'peer/close' })
      .fx({ kind: 'typing/reset' })
      .set({ phase: 'ended', leftReason: reason, strangerTyping: false, selfTyping: false, rtc: 'new', relayed: false })
      .line('system', text);
  }
  startSearch(): this {
    const { chatType, interests } = this.s;
    if (!chatType) return this;
    return this.set({ phase: 'searching' }).send({ type: 'start', chat_type: chatType, interests });
  }
  done(): Step {
    return { state: this.s, effects: this.effects };
  }
}

const unchanged = (s: ChatState): Step => ({ state: s, effects: [] });

// ---------------------------------------------------------------------------
// The reducer

export function reduce(state: ChatState, action: Action): Step {
  switch (action.type) {
    case 'socket/open':
      return unchanged(state);

    case 'socket/closed':
      if (state.conn === 'replaced') return unchanged(state);
      return new Builder(state).set({ conn: 'reconnecting', pendingHello: null }).done();

    case 'health':
      return unchanged({ ...state, online: action.online });

    case 'config':
      return unchanged({ ...state, limits: action.limits, maxChars: action.limits.maxMessageChars });

    case 'server':
      return onServer(state, action.msg);

    case 'ui/start': {
      if (state.phase !== 'landing') return unchanged(state);
      const b = new Builder(state)
        .clearChat()
        .set({ chatType: action.chatType, interests: [...action.interests], notice: null });
      if (action.chatType === 'video') {
        const request = state.mediaRequest + 1;
        return b.set({ phase: 'media', mediaRequest: request }).fx({ kind: 'media/acquire', request }).done();
      }
      return b.startSearch().done();
    }

    case 'media/ready':
      if (state.phase !== 'media' || action.request !== state.mediaRequest) return unchanged(state);
      return new Builder(state).startSearch().done();

    case 'media/failed':
      if (state.phase !== 'media' || action.request !== state.mediaRequest) return unchanged(state);
      return new Builder(state)
        .fx({ kind: 'media/release' })
        .set({ phase: 'landing', chatType: null, notice: { kind: 'media', text: action.message } })
        .done();

    case 'ui/next': {
      if (state.phase !== 'chatting' && state.phase !== 'ended') return unchanged(state);
      const b = new Builder(state).fx({ kind: 'peer/close' }).fx({ kind: 'typing/reset' });
      const wasChatting = state.phase === 'chatting';
      b.clearChat();
      if (wasChatting) {
        // The server ends the chat (partner gets reason "next") and queues us again.
        return b.set({ phase: 'searching' }).send({ type: 'next' }).done();
      }
      // The partner already left: we are idle on the server, so simply start again.
      return b.startSearch().done();
    }

    case 'ui/stop': {
      if (state.phase === 'landing') return unchanged(state);
      const b = new Builder(state)
        .fx({ kind: 'peer/close' })
        .fx({ kind: 'typing/reset' })
        .fx({ kind: 'media/release' });
      if (state.phase === 'searching' || state.phase === 'chatting') b.send({ type: 'stop' });
      return b
        .clearChat()
        .set({ phase: 'landing', chatType: null, mediaRequest: state.mediaRequest + 1 })
        .done();
    }

    case 'ui/send': {
      if (state.phase !== 'chatting') return unchanged(state);
      const check = checkOutgoingMessage(action.text, state.maxChars);
      if (!check.ok) {
        if (check.reason === 'empty') return unchanged(state);
        return new Builder(state).line('error', LINES.tooLong(state.maxChars)).done();
      }
      const b = new Builder(state).line('you', check.text).send({ type: 'message', text: check.text });
      if (state.selfTyping) b.send({ type: 'typing', active: false });
      return b.set({ selfTyping: false }).fx({ kind: 'typing/reset' }).done();
    }

    case 'ui/typing':
      if (state.phase !== 'chatting' || state.selfTyping === action.active) return unchanged(state);
      return new Builder(state)
        .set({ selfTyping: action.active })
        .send({ type: 'typing', active: action.active })
        .done();

    case 'ui/dismissNotice':
      return unchanged({ ...state, notice: null });

    case 'rtc/state':
      if (state.phase !== 'chatting' || action.sessionId !== state.sessionId) return unchanged(state);
      return unchanged({ ...state, rtc: action.state, relayed: action.relayed ?? (action.state === 'connected' ? state.relayed : false) });

    case 'turn/refresh':
      if (state.phase !== 'chatting' || state.chatType !== 'video' || action.sessionId !== state.sessionId) {
        return unchanged(state);
      }
      return new Builder(state).send({ type: 'turn_credentials' }).done();

    case 'rtc/signal':
      if (state.phase !== 'chatting' || action.sessionId !== state.sessionId) return unchanged(state);
      return new Builder(state)
        .send({ type: 'signal', data: { ...action.data, session_id: action.sessionId } })
        .done();
  }
}

function onServer(state: ChatState, msg: ServerMessage): Step {
  // Events carry a per-participant seq. One we have already seen is a replay after a
  // resume (or a duplicate): it must not be applied twice.
  if ('seq' in msg && typeof msg.seq === 'number') {
    if (msg.seq <= state.lastSeq) return unchanged(state);
    state = { ...state, lastSeq: msg.seq };
  }
  const b = new Builder(state);

  switch (msg.type) {
    case 'hello': {
      b.set({ online: msg.online ?? state.online });
      if (state.token) {
        // A new socket after a drop: try to get our old participant (and chat) back.
        return b
          .set({ conn: 'resuming', pendingHello: { userId: msg.user_id, token: msg.token } })
          .fx({ kind: 'send', msg: { type: 'resume', token: state.token, since: state.lastSeq } })
          .done();
      }
      return b
        .set({ conn: 'ready', userId: msg.user_id, token: msg.token, lastSeq: 0, pendingHello: null })
        .flushOutbox()
        .done();
    }

    case 'resumed': {
      b.set({ conn: 'ready', pendingHello: null }).flushOutbox();
      // Our `start` was lost with the old socket: ask again.
      if (msg.status === 'idle' && state.phase === 'searching') b.startSearch();
      return b.done();
    }

    case 'online':
      return b.set({ online: msg.count }).done();

    case 'error':
      return onError(b, msg);

    case 'waiting':
      if (state.phase === 'searching' && msg.chat_type) b.set({ chatType: msg.chat_type });
      return b.done();

    case 'matched': {
      const fresh = state.phase === 'searching' || (state.phase === 'chatting' && msg.session_id !== state.sessionId);
      // Landing / camera / ended: the user did not ask for a new stranger (a late match
      // that crossed our `stop`); the server ends it when it reads our `stop`.
      if (!fresh) return b.done();
      b.fx({ kind: 'peer/close' }).fx({ kind: 'typing/reset' }).clearChat();
      b.set({
        phase: 'chatting',
        sessionId: msg.session_id,
        initiator: msg.initiator,
        commonInterests: [...msg.common_interests],
      });
      b.line('system', LINES.matched);
      const common = commonInterestsLine(msg.common_interests);
      if (common) b.line('system', common);
      // Only a user who asked for video (and so has a camera stream) gets a peer connection.
      if (state.chatType === 'video' && msg.chat_type === 'video') {
        b.set({ rtc: 'connecting' }).fx({
          kind: 'peer/open',
          sessionId: msg.session_id,
          initiator: msg.initiator,
          turn: msg.turn,
        });
      }
      return b.done();
    }

    case 'message':
      if (state.phase !== 'chatting') return b.done();
      return b.set({ strangerTyping: false }).line('stranger', msg.text).done();

    case 'typing':
      if (state.phase !== 'chatting') return b.done();
      return b.set({ strangerTyping: msg.active }).done();

    case 'signal': {
      if (state.phase !== 'chatting' || state.chatType !== 'video' || !state.sessionId) return b.done();
      const tag = msg.data.session_id;
      if (tag !== undefined && tag !== state.sessionId) return b.done();
      return b.fx({ kind: 'peer/signal', sessionId: state.sessionId, data: msg.data }).done();
    }

    case 'turn_credentials':
      if (state.phase !== 'chatting' || state.chatType !== 'video' || msg.session_id !== state.sessionId) return b.done();
      return b.fx({ kind: 'peer/turn', sessionId: msg.session_id, turn: msg.turn }).done();

    case 'partner_left':
      if (state.phase !== 'chatting') return b.done();
      return b.endChat(msg.reason, LINES.partnerLeft).done();
  }
}

function onError(b: Builder, msg: ErrorMsg): Step {
  const s = b.s;
  if (msg.code === 'replaced') {
    b.set({ conn: 'replaced', outbox: [], pendingHello: null }).fx({ kind: 'socket/close' });
    if (s.phase === 'chatting') b.endChat('replaced', LINES.replaced);
    else if (s.phase !== 'ended') {
      b.fx({ kind: 'peer/close' })
        .fx({ kind: 'media/release' })
        .clearChat()
        .set({ phase: 'landing', chatType: null, mediaRequest: s.mediaRequest + 1 });
    }
    return b.set({ notice: { kind: 'error', text: LINES.replaced } }).done();
  }

  if (s.conn === 'resuming') {
    // The old participant is gone (grace period over, or the server restarted). Carry on
    // as the fresh participant the new socket's `hello` gave us.
    const fresh = s.pendingHello;
    b.set({
      conn: 'ready',
      userId: fresh?.userId ?? null,
      token: fresh?.token ?? null,
      lastSeq: 0,
      pendingHello: null,
      outbox: [],
    });
    if (s.phase === 'chatting') b.endChat('lost', LINES.lostChat);
    else if (s.phase === 'searching') b.startSearch();
    return b.done();
  }

  switch (msg.code) {
    case 'not_matched':
      // The partner left while something of ours was on its way; `partner_left` says so.
      return b.done();
    case 'too_large':
    case 'payload_too_large':
      return inChat(b, LINES.serverTooLarge);
    case 'rate_limited':
    case 'too_many_requests':
      return inChat(b, LINES.rateLimited);
    default:
      return inChat(b, LINES.generic(msg.message || msg.code));
  }
}

/** Errors show in the chat log when a chat is on screen, else as the landing notice. */
function inChat(b: Builder, text: string): Step {
  if (b.s.phase === 'landing') return b.set({ notice: { kind: 'error', text } }).done();
  return b.line('error', text).done();
}

// ---------------------------------------------------------------------------
// Selectors (what the views show)

export function statusText(s: ChatState): string {
  if (s.phase !== 'landing' && (s.conn === 'reconnecting' || s.conn === 'resuming')) return 'Reconnecting…';
  switch (s.phase) {
    case 'landing':
      return '';
    case 'media':
      return 'Starting your camera…';
    case 'searching':
      return s.conn === 'connecting' ? 'Connecting to the server…' : 'Looking for someone…';
    case 'chatting':
      if (s.chatType !== 'video') return 'Connected';
      if (s.rtc === 'connected') return s.relayed ? 'Connected through the relay' : 'Connected';
      if (s.rtc === 'failed') return 'The video connection failed. Press Next to try someone else.';
      return 'Connecting…';
    case 'ended':
      return 'Chat ended';
  }
}

export function canSend(s: ChatState): boolean {
  return s.phase === 'chatting';
}
