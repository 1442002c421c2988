// The chat state machine: a pure reducer from (state, action) to (state, effects).
//
// It owns everything the protocol decides: which screen we are on, which session is
// current, what goes into the log, what is sent to the server and when, resume after a
// dropped socket, and which side of a video match may create WebRTC offers. It does no
// I/O itself: effects are carried out by the controller (src/app/controller.ts), which
// feeds results back in as actions. Unit-tested in chatMachine.test.ts.

import { formatSize } from '../files/size';
import { AUTO_REROLL_SECONDS, MAX_FILE_BYTES } from '../settings';
import { commonInterestsLine } from './interests';
import {
  checkOutgoingMessage,
  DEFAULT_LIMITS,
  MAX_REPORT_COMMENT_CHARS,
  type ChatType,
  type ClientLimits,
  type ClientMessage,
  type ErrorMsg,
  type ReportReason,
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
  youLeft: 'You have disconnected.',
  reported: 'You reported the stranger. You will not be paired with them again.',
  blocked: 'You blocked the stranger. You will not be paired with them again.',
  banned: 'You can not chat right now: this connection was banned for breaking the rules.',
  fileTooLarge: (name: string) => `${name} is too large: files can be at most ${formatSize(MAX_FILE_BYTES)}.`,
  fileBusy: 'Wait until the file you are sending is done, or cancel it.',
  fileOfferTooLarge: (name: string, size: number) =>
    `The stranger tried to send ${name} (${formatSize(size)}), which is over the ${formatSize(MAX_FILE_BYTES)} limit, so it was declined.`,
  fileOffered: (name: string, size: number) => `You offered ${name} (${formatSize(size)}) to the stranger.`,
  fileOfferedToYou: (name: string, size: number) =>
    `The stranger offers you ${name} (${formatSize(size)}). Accept or decline it below.`,
  fileSent: (name: string, size: number) => `You sent ${name} (${formatSize(size)}).`,
  fileReceived: (name: string, size: number) => `The stranger sent you ${name} (${formatSize(size)}).`,
  fileDeclinedByStranger: (name: string) => `The stranger declined ${name}.`,
  fileDeclinedByYou: (name: string) => `You declined ${name}.`,
  fileCancelledByStranger: (name: string) => `The stranger cancelled ${name}.`,
  fileCancelledByYou: (name: string) => `You cancelled ${name}.`,
  fileFailed: (name: string) => `${name} could not be transferred.`,
  directRefused: 'The stranger did not want a direct connection, so no file was sent.',
  directFailed: "A direct connection to the stranger couldn't be made, so the file was not sent.",
} as const;

/** A file on its way, in either direction. Bytes never touch the server. */
export type TransferStatus =
  /** out: waiting for the data channel (and, in a text chat, for both users to agree). */
  | 'pending'
  /** offered, waiting for the receiver to accept or decline. */
  | 'offered'
  | 'transferring'
  | 'done'
  | 'declined'
  | 'cancelled'
  | 'failed';

export interface Transfer {
  id: string;
  direction: 'out' | 'in';
  name: string;
  size: number;
  mime: string;
  status: TransferStatus;
  bytes: number;
  /** Object URL of the file (received, or our own for a preview), made by the controller. */
  url: string | null;
}

/**
 * Text chats have no peer connection. A file needs one, and a direct connection shows
 * each side the other's IP address, so both users agree first:
 * none -> confirm (we picked a file) -> requested (we asked the stranger) -> agreed;
 * none -> asked (the stranger asks us) -> agreed.
 */
export type DirectState = 'none' | 'confirm' | 'requested' | 'asked' | 'agreed';

export const ACTIVE_TRANSFER: readonly TransferStatus[] = ['pending', 'offered', 'transferring'];
export const isActive = (t: Transfer): boolean => ACTIVE_TRANSFER.includes(t.status);

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
  /** Stop was pressed once during this chat: the button now asks "Really?". */
  stopConfirm: boolean;
  /** Setting: start a new search by itself after the stranger left. */
  autoReroll: boolean;
  /** Seconds left before the automatic new search, or null when none is counting down. */
  reroll: number | null;
  /** Which peer connection this chat has: the video one, a data-only one, or none. */
  peerKind: 'none' | 'media' | 'data';
  /** The file data channel of this chat is open. */
  channelOpen: boolean;
  direct: DirectState;
  transfers: Transfer[];
  /** Bumped on every "stranger is typing": the expiry timer of an older one is ignored. */
  typingGen: number;
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
  /** Report (with a reason) or block the stranger of this chat, or of the one that just ended. */
  | { type: 'ui/report'; reason: ReportReason; comment: string }
  | { type: 'ui/block' }
  | { type: 'ui/send'; text: string }
  | { type: 'ui/typing'; active: boolean }
  | { type: 'ui/dismissNotice' }
  | { type: 'rtc/state'; sessionId: string; state: RtcStatus; relayed?: boolean }
  /** The TURN credentials of this chat run out soon: ask the server for fresh ones. */
  | { type: 'turn/refresh'; sessionId: string }
  | { type: 'rtc/signal'; sessionId: string; data: Record<string, unknown> }
  | { type: 'ui/escape' }
  | { type: 'ui/autoReroll'; on: boolean }
  | { type: 'ui/cancelReroll' }
  | { type: 'reroll/tick' }
  | { type: 'typing/expired'; gen: number }
  | { type: 'ui/sendFile'; id: string; name: string; size: number; mime: string }
  | { type: 'ui/directConfirm' }
  | { type: 'ui/directCancel' }
  | { type: 'ui/directAllow' }
  | { type: 'ui/directRefuse' }
  | { type: 'ui/acceptFile'; id: string }
  | { type: 'ui/declineFile'; id: string }
  | { type: 'ui/cancelFile'; id: string }
  | { type: 'file/channel'; sessionId: string; open: boolean }
  | { type: 'file/offered'; sessionId: string; id: string; name: string; size: number; mime: string }
  | { type: 'file/accepted'; sessionId: string; id: string }
  | { type: 'file/declined'; sessionId: string; id: string }
  | { type: 'file/cancelled'; sessionId: string; id: string }
  | { type: 'file/progress'; sessionId: string; id: string; bytes: number }
  | { type: 'file/done'; sessionId: string; id: string; url: string | null }
  | { type: 'file/failed'; sessionId: string; id: string };

export type Effect =
  | { kind: 'send'; msg: ClientMessage }
  | { kind: 'media/acquire'; request: number }
  | { kind: 'media/release' }
  | { kind: 'peer/open'; sessionId: string; initiator: boolean; media: boolean; turn?: TurnCredentials }
  /** Fresh TURN credentials for the open peer connection (the initiator restarts ICE). */
  | { kind: 'peer/turn'; sessionId: string; turn: TurnCredentials }
  | { kind: 'peer/signal'; sessionId: string; data: Record<string, unknown> }
  | { kind: 'peer/close' }
  | { kind: 'typing/reset' }
  | { kind: 'socket/close' }
  /** Offer the file the controller holds under `id` on the data channel. */
  | { kind: 'file/offer'; id: string }
  | { kind: 'file/accept'; id: string }
  | { kind: 'file/decline'; id: string }
  | { kind: 'file/cancel'; id: string }
  /** Drop the File object kept under `id` (never offered). */
  | { kind: 'file/forget'; id: string }
  /** The chat is gone: revoke object URLs, forget files. */
  | { kind: 'files/reset' };

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
    stopConfirm: false,
    autoReroll: false,
    reroll: null,
    peerKind: 'none',
    channelOpen: false,
    direct: 'none',
    transfers: [],
    typingGen: 0,
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
    if (this.s.transfers.length > 0) this.fx({ kind: 'files/reset' });
    return this.set({
      stopConfirm: false,
      reroll: null,
      peerKind: 'none',
      channelOpen: false,
      direct: 'none',
      transfers: [],
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
    // Whatever was still on its way stops with the connection; finished files stay.
    const transfers = this.s.transfers.map((t) => (isActive(t) ? { ...t, status: 'cancelled' as const } : t));
    return this.fx({ kind: 'peer/close' })
      .fx({ kind: 'typing/reset' })
      .set({
        phase: 'ended',
        leftReason: reason,
        strangerTyping: false,
        selfTyping: false,
        rtc: 'new',
        relayed: false,
        stopConfirm: false,
        peerKind: 'none',
        channelOpen: false,
        direct: 'none',
        transfers,
      })
      .line('system', text);
  }
  transfer(id: string): Transfer | undefined {
    return this.s.transfers.find((t) => t.id === id);
  }
  patchTransfer(id: string, patch: Partial<Transfer>): this {
    return this.set({ transfers: this.s.transfers.map((t) => (t.id === id ? { ...t, ...patch } : t)) });
  }
  /** Offers every pending outgoing file once the data channel is open. */
  offerPending(): this {
    if (!this.s.channelOpen) return this;
    for (const t of this.s.transfers) {
      if (t.direction === 'out' && t.status === 'pending') {
        this.patchTransfer(t.id, { status: 'offered' })
          .fx({ kind: 'file/offer', id: t.id })
          .line('system', LINES.fileOffered(t.name, t.size));
      }
    }
    return this;
  }
  /** A data-only peer connection for a text chat, once both users agreed. */
  openDirect(): this {
    const { sessionId, initiator } = this.s;
    if (!sessionId) return this;
    return this.set({ direct: 'agreed', peerKind: 'data', rtc: 'connecting' }).fx({
      kind: 'peer/open',
      sessionId,
      initiator,
      media: false,
    });
  }
  signal(data: Record<string, unknown>): this {
    const sessionId = this.s.sessionId;
    return sessionId ? this.send({ type: 'signal', data: { ...data, session_id: sessionId } }) : this;
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
      // Omegle's Stop: the first press asks "Really?", the second ends the chat (which
      // stays on screen, so the user can read it, save it or press Next for a new one).
      if (state.phase === 'chatting') {
        if (!state.stopConfirm) return unchanged({ ...state, stopConfirm: true });
        return new Builder(state).send({ type: 'stop' }).endChat('you', LINES.youLeft).done();
      }
      const b = new Builder(state)
        .fx({ kind: 'peer/close' })
        .fx({ kind: 'typing/reset' })
        .fx({ kind: 'media/release' });
      if (state.phase === 'searching') b.send({ type: 'stop' });
      return b
        .clearChat()
        .set({ phase: 'landing', chatType: null, mediaRequest: state.mediaRequest + 1 })
        .done();
    }

    case 'ui/report':
    case 'ui/block': {
      if (state.phase !== 'chatting' && state.phase !== 'ended') return unchanged(state);
      const comment = action.type === 'ui/report' ? action.comment.trim().slice(0, MAX_REPORT_COMMENT_CHARS) : '';
      const b = new Builder(state).send(
        action.type === 'ui/report'
          ? { type: 'report', reason: action.reason, ...(comment ? { comment } : {}) }
          : { type: 'block' },
      );
      const text = action.type === 'ui/report' ? LINES.reported : LINES.blocked;
      if (state.phase === 'chatting') return b.endChat('you', text).done();
      return b.line('system', text).done();
    }

    case 'ui/escape':
      // Esc steps like Omegle's one button: Stop -> Really? -> New.
      if (state.phase === 'chatting') return reduce(state, { type: 'ui/stop' });
      if (state.phase === 'ended') return reduce(state, { type: 'ui/next' });
      return unchanged(state);

    case 'ui/autoReroll': {
      const b = new Builder(state).set({ autoReroll: action.on });
      if (!action.on) b.set({ reroll: null });
      return b.done();
    }

    case 'ui/cancelReroll':
      return state.reroll === null ? unchanged(state) : unchanged({ ...state, reroll: null });

    case 'reroll/tick': {
      if (state.reroll === null || state.phase !== 'ended') return unchanged(state);
      if (state.reroll > 1) return unchanged({ ...state, reroll: state.reroll - 1 });
      return reduce({ ...state, reroll: null }, { type: 'ui/next' });
    }

    case 'typing/expired':
      if (!state.strangerTyping || action.gen !== state.typingGen) return unchanged(state);
      return unchanged({ ...state, strangerTyping: false });

    case 'ui/sendFile': {
      if (state.phase !== 'chatting') return new Builder(state).fx({ kind: 'file/forget', id: action.id }).done();
      const b = new Builder(state);
      if (action.size > MAX_FILE_BYTES) {
        return b.line('error', LINES.fileTooLarge(action.name)).fx({ kind: 'file/forget', id: action.id }).done();
      }
      if (state.transfers.some((t) => t.direction === 'out' && isActive(t))) {
        return b.line('error', LINES.fileBusy).fx({ kind: 'file/forget', id: action.id }).done();
      }
      const t: Transfer = {
        id: action.id,
        direction: 'out',
        name: action.name,
        size: action.size,
        mime: action.mime,
        status: 'pending',
        bytes: 0,
        url: null,
      };
      b.set({ transfers: [...state.transfers, t] });
      if (state.peerKind === 'none' && state.direct === 'none') b.set({ direct: 'confirm' });
      return b.offerPending().done();
    }

    case 'ui/directConfirm':
      if (state.phase !== 'chatting' || state.direct !== 'confirm') return unchanged(state);
      return new Builder(state).set({ direct: 'requested' }).signal({ kind: 'direct', action: 'request' }).done();

    case 'ui/directCancel': {
      if (state.phase !== 'chatting' || (state.direct !== 'confirm' && state.direct !== 'requested')) return unchanged(state);
      const b = new Builder(state);
      if (state.direct === 'requested') b.signal({ kind: 'direct', action: 'cancel' });
      for (const t of state.transfers) if (t.status === 'pending') b.fx({ kind: 'file/forget', id: t.id });
      return b.set({ direct: 'none', transfers: state.transfers.filter((t) => t.status !== 'pending') }).done();
    }

    case 'ui/directAllow':
      if (state.phase !== 'chatting' || state.direct !== 'asked') return unchanged(state);
      return new Builder(state).signal({ kind: 'direct', action: 'accept' }).openDirect().done();

    case 'ui/directRefuse':
      if (state.phase !== 'chatting' || state.direct !== 'asked') return unchanged(state);
      return new Builder(state).set({ direct: 'none' }).signal({ kind: 'direct', action: 'refuse' }).done();

    case 'ui/acceptFile': {
      const b = new Builder(state);
      const t = b.transfer(action.id);
      if (state.phase !== 'chatting' || !t || t.direction !== 'in' || t.status !== 'offered') return unchanged(state);
      return b.patchTransfer(t.id, { status: 'transferring' }).fx({ kind: 'file/accept', id: t.id }).done();
    }

    case 'ui/declineFile': {
      const b = new Builder(state);
      const t = b.transfer(action.id);
      if (!t || t.direction !== 'in' || t.status !== 'offered') return unchanged(state);
      return b
        .patchTransfer(t.id, { status: 'declined' })
        .fx({ kind: 'file/decline', id: t.id })
        .line('system', LINES.fileDeclinedByYou(t.name))
        .done();
    }

    case 'ui/cancelFile': {
      const b = new Builder(state);
      const t = b.transfer(action.id);
      if (!t || !isActive(t)) return unchanged(state);
      b.patchTransfer(t.id, { status: 'cancelled' }).line('system', LINES.fileCancelledByYou(t.name));
      if (t.status === 'pending') {
        b.fx({ kind: 'file/forget', id: t.id });
        if (state.direct === 'confirm') b.set({ direct: 'none' });
        return b.done();
      }
      return b.fx({ kind: 'file/cancel', id: t.id }).done();
    }

    case 'file/channel': {
      if (state.phase !== 'chatting' || action.sessionId !== state.sessionId) return unchanged(state);
      const b = new Builder(state).set({ channelOpen: action.open });
      if (action.open) return b.offerPending().done();
      // The channel went away under a transfer: it cannot finish.
      for (const t of state.transfers) {
        if (isActive(t) && t.status !== 'pending') b.patchTransfer(t.id, { status: 'failed' }).line('error', LINES.fileFailed(t.name));
      }
      return b.done();
    }

    case 'file/offered': {
      if (state.phase !== 'chatting' || action.sessionId !== state.sessionId) return unchanged(state);
      const b = new Builder(state);
      if (b.transfer(action.id)) return unchanged(state);
      if (action.size > MAX_FILE_BYTES) {
        return b.line('system', LINES.fileOfferTooLarge(action.name, action.size)).fx({ kind: 'file/decline', id: action.id }).done();
      }
      // One incoming file at a time (the sender's client never offers more).
      if (state.transfers.some((t) => t.direction === 'in' && isActive(t))) {
        return b.fx({ kind: 'file/decline', id: action.id }).done();
      }
      const t: Transfer = {
        id: action.id,
        direction: 'in',
        name: action.name,
        size: action.size,
        mime: action.mime,
        status: 'offered',
        bytes: 0,
        url: null,
      };
      // The log is a live region: screen readers hear about the offer.
      return b.set({ transfers: [...state.transfers, t] }).line('system', LINES.fileOfferedToYou(t.name, t.size)).done();
    }

    case 'file/accepted':
    case 'file/declined':
    case 'file/cancelled':
    case 'file/progress':
    case 'file/done':
    case 'file/failed':
      return onFileEvent(state, action);

    case 'ui/send': {
      if (state.phase !== 'chatting') return unchanged(state);
      const check = checkOutgoingMessage(action.text, state.maxChars);
      if (!check.ok) {
        if (check.reason === 'empty') return unchanged(state);
        return new Builder(state).line('error', LINES.tooLong(state.maxChars)).done();
      }
      const b = new Builder(state).set({ stopConfirm: false }).line('you', check.text).send({ type: 'message', text: check.text });
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

    case 'rtc/state': {
      if (state.phase !== 'chatting' || action.sessionId !== state.sessionId) return unchanged(state);
      const relayed = action.relayed ?? (action.state === 'connected' ? state.relayed : false);
      const b = new Builder(state).set({ rtc: action.state, relayed });
      // A text chat's direct connection that cannot be made: its waiting files can't go.
      if (action.state === 'failed' && state.peerKind === 'data') {
        for (const t of state.transfers) {
          if (t.direction === 'out' && t.status === 'pending') {
            b.patchTransfer(t.id, { status: 'failed' }).fx({ kind: 'file/forget', id: t.id }).line('error', LINES.directFailed);
          }
        }
      }
      return b.done();
    }

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
        b.set({ rtc: 'connecting', peerKind: 'media' }).fx({
          kind: 'peer/open',
          sessionId: msg.session_id,
          initiator: msg.initiator,
          media: true,
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
      if (msg.active) b.set({ typingGen: state.typingGen + 1 });
      return b.set({ strangerTyping: msg.active }).done();

    case 'signal': {
      if (state.phase !== 'chatting' || !state.sessionId) return b.done();
      const tag = msg.data.session_id;
      if (tag !== undefined && tag !== state.sessionId) return b.done();
      if (msg.data.kind === 'direct') return onDirect(b, msg.data.action);
      if (state.peerKind === 'none') return b.done();
      return b.fx({ kind: 'peer/signal', sessionId: state.sessionId, data: msg.data }).done();
    }

    case 'turn_credentials':
      if (state.phase !== 'chatting' || state.chatType !== 'video' || msg.session_id !== state.sessionId) return b.done();
      return b.fx({ kind: 'peer/turn', sessionId: msg.session_id, turn: msg.turn }).done();

    case 'reported':
    case 'blocked':
      // The chat already ended here when the user pressed Report or Block.
      return b.done();

    case 'partner_left':
      if (state.phase !== 'chatting') return b.done();
      b.endChat(msg.reason, LINES.partnerLeft);
      if (state.autoReroll) b.set({ reroll: AUTO_REROLL_SECONDS });
      return b.done();
  }
}

/** The text-chat consent handshake for a direct connection, carried in `signal` data. */
function onDirect(b: Builder, action: unknown): Step {
  const s = b.s;
  switch (action) {
    case 'request':
      // Both asked at the same moment: both agreed.
      if (s.direct === 'requested') return b.signal({ kind: 'direct', action: 'accept' }).openDirect().done();
      if (s.direct === 'none' || s.direct === 'confirm') return b.set({ direct: 'asked' }).done();
      return b.done();
    case 'accept':
      if (s.direct !== 'requested') return b.done();
      return b.openDirect().done();
    case 'refuse': {
      if (s.direct !== 'requested') return b.done();
      for (const t of s.transfers) if (t.status === 'pending') b.fx({ kind: 'file/forget', id: t.id });
      const transfers = s.transfers.map((t) => (t.status === 'pending' ? { ...t, status: 'declined' as const } : t));
      return b.set({ direct: 'none', transfers }).line('system', LINES.directRefused).done();
    }
    case 'cancel':
      if (s.direct !== 'asked') return b.done();
      return b.set({ direct: 'none' }).done();
    default:
      return b.done();
  }
}

type FileEvent = Extract<
  Action,
  { type: 'file/accepted' | 'file/declined' | 'file/cancelled' | 'file/progress' | 'file/done' | 'file/failed' }
>;

/** What the data channel reports about a transfer of this chat. */
function onFileEvent(state: ChatState, a: FileEvent): Step {
  if (a.sessionId !== state.sessionId || (state.phase !== 'chatting' && state.phase !== 'ended')) return unchanged(state);
  const b = new Builder(state);
  const t = b.transfer(a.id);
  if (!t) return unchanged(state);
  switch (a.type) {
    case 'file/accepted':
      if (t.direction !== 'out' || t.status !== 'offered') return unchanged(state);
      return b.patchTransfer(t.id, { status: 'transferring' }).done();
    case 'file/declined':
      if (t.direction !== 'out' || t.status !== 'offered') return unchanged(state);
      return b.patchTransfer(t.id, { status: 'declined' }).line('system', LINES.fileDeclinedByStranger(t.name)).done();
    case 'file/cancelled':
      if (!isActive(t)) return unchanged(state);
      return b.patchTransfer(t.id, { status: 'cancelled' }).line('system', LINES.fileCancelledByStranger(t.name)).done();
    case 'file/progress':
      if (t.status !== 'transferring') return unchanged(state);
      return b.patchTransfer(t.id, { bytes: Math.max(0, Math.min(t.size, a.bytes)) }).done();
    case 'file/done':
      if (t.status !== 'transferring') return unchanged(state);
      return b
        .patchTransfer(t.id, { status: 'done', bytes: t.size, url: a.url })
        .line('system', t.direction === 'out' ? LINES.fileSent(t.name, t.size) : LINES.fileReceived(t.name, t.size))
        .done();
    case 'file/failed':
      if (!isActive(t)) return unchanged(state);
      return b.patchTransfer(t.id, { status: 'failed' }).line('error', LINES.fileFailed(t.name)).done();
  }
}

function onError(b: Builder, msg: ErrorMsg): Step {
  const s = b.s;
  if (msg.code === 'banned') {
    // The server closes the socket next; the user sees why.
    if (s.phase === 'chatting') b.endChat('banned', LINES.banned);
    return b.set({ notice: { kind: 'error', text: LINES.banned } }).done();
  }
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

/** "Send a file" is offered during a chat while no file of ours is on its way. */
export function canSendFile(s: ChatState): boolean {
  return s.phase === 'chatting' && !s.transfers.some((t) => t.direction === 'out' && isActive(t));
}
