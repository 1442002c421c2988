// Wire protocol of the parley server's WebSocket `/ws`: parsing and validation of
// what the server sends, and builders for what the client sends.
// Pure module: no DOM, no WebSocket, no React. Unit-tested in protocol.test.ts.

export type ChatType = 'text' | 'video';

export type PartnerLeftReason = 'left' | 'next' | 'disconnected' | 'timeout';

/**
 * The limits the server enforces, as `GET /config` tells them (docs/protocol.schema.json,
 * `rest_config`). The client checks input against the values the server sent; these
 * defaults (the server's own defaults) only serve until /config has answered.
 */
export interface ClientLimits {
  maxMessageChars: number;
  maxInterests: number;
  maxInterestChars: number;
  interestFallbackS: number;
}

export const DEFAULT_LIMITS: Readonly<ClientLimits> = Object.freeze({
  maxMessageChars: 2000,
  maxInterests: 10,
  maxInterestChars: 32,
  interestFallbackS: 10,
});

/** Upper bound for one chat message before /config answers, in Unicode code points. */
export const MAX_MESSAGE_CHARS = DEFAULT_LIMITS.maxMessageChars;

/** Error codes the client reacts to; each is one the server sends (checked against the schema). */
export const HANDLED_ERROR_CODES = ['replaced', 'banned'] as const;

/** Why a stranger is reported: the server's fixed list. */
export const REPORT_REASONS = ['spam', 'nudity', 'harassment', 'underage', 'other'] as const;
export type ReportReason = (typeof REPORT_REASONS)[number];
/** Longest report comment (REPORT_COMMENT_CHARS's default). */
export const MAX_REPORT_COMMENT_CHARS = 500;

/** Largest text frame the client accepts from the server (protects the parser). */
export const MAX_FRAME_CHARS = 256 * 1024;

// ---------------------------------------------------------------------------
// Server -> client

export interface HelloMsg {
  type: 'hello';
  user_id: string;
  token: string;
  online: number | null;
}
export interface OnlineMsg {
  type: 'online';
  count: number;
}
export interface WaitingMsg {
  type: 'waiting';
  chat_type: ChatType | null;
}
export interface ResumedMsg {
  type: 'resumed';
  user_id: string;
  status: string;
  session_id: string | null;
}
/**
 * Ephemeral TURN credentials (docs/protocol.md, "TURN relay credentials"): only in a
 * video chat's `matched` event and in `turn_credentials` answers. Valid for `ttl_s`.
 */
export interface TurnCredentials {
  urls: string[];
  username: string;
  credential: string;
  ttl_s: number;
}
export interface MatchedMsg {
  type: 'matched';
  seq?: number;
  session_id: string;
  chat_type: ChatType;
  initiator: boolean;
  common_interests: string[];
  /** Present only in a video chat when the server has a TURN relay. */
  turn?: TurnCredentials;
}
export interface TurnCredentialsMsg {
  type: 'turn_credentials';
  session_id: string;
  turn: TurnCredentials;
}
export interface MessageMsg {
  type: 'message';
  seq?: number;
  text: string;
  from: string;
  ts: number | null;
}
export interface TypingMsg {
  type: 'typing';
  seq?: number;
  active: boolean;
}
export interface SignalMsg {
  type: 'signal';
  seq?: number;
  data: Record<string, unknown>;
}
export interface PartnerLeftMsg {
  type: 'partner_left';
  seq?: number;
  /** Known reasons are listed in PartnerLeftReason; an unknown one is kept as is. */
  reason: string;
}
export interface ErrorMsg {
  type: 'error';
  code: string;
  message: string;
}

/** The answer to `report` / `block`: that chat is over. */
export interface ReportedMsg {
  type: 'reported' | 'blocked';
  session_id: string | null;
}

export type ServerMessage =
  | ReportedMsg
  | HelloMsg
  | OnlineMsg
  | WaitingMsg
  | ResumedMsg
  | MatchedMsg
  | MessageMsg
  | TypingMsg
  | SignalMsg
  | PartnerLeftMsg
  | TurnCredentialsMsg
  | ErrorMsg;

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}
function count(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? Math.floor(v) : null;
}
function chatType(v: unknown): ChatType | null {
  return v === 'text' || v === 'video' ? v : null;
}
/** TURN credentials as the server sends them; null when anything is off. */
export function parseTurn(v: unknown): TurnCredentials | null {
  if (!isObj(v) || !Array.isArray(v.urls)) return null;
  const urls = v.urls.filter((u): u is string => typeof u === 'string' && /^turns?:/.test(u));
  const username = str(v.username);
  const credential = str(v.credential);
  const ttl = count(v.ttl_s);
  if (urls.length === 0 || !username || !credential || ttl === null || ttl <= 0) return null;
  return { urls, username, credential, ttl_s: ttl };
}

/** seq is optional on the wire; when present it must be a non-negative integer. */
function withSeq<T extends object>(o: Obj, msg: T): (T & { seq?: number }) | null {
  if (o.seq === undefined || o.seq === null) return msg;
  const seq = o.seq;
  if (typeof seq !== 'number' || !Number.isInteger(seq) || seq < 0) return null;
  return { ...msg, seq };
}

/**
 * Parses one text frame from the server. Returns null for anything that is not a
 * well-formed message of a known type (the caller ignores it), never throws.
 */
export function parseServerMessage(raw: unknown): ServerMessage | null {
  if (typeof raw !== 'string' || raw.length > MAX_FRAME_CHARS) return null;
  let o: unknown;
  try {
    o = JSON.parse(raw);
  } catch {
    return null;
  }
  return validateServerMessage(o);
}

export function validateServerMessage(o: unknown): ServerMessage | null {
  if (!isObj(o)) return null;
  switch (o.type) {
    case 'hello': {
      const user_id = str(o.user_id);
      const token = str(o.token);
      if (!user_id || !token) return null;
      return { type: 'hello', user_id, token, online: count(o.online) };
    }
    case 'online': {
      const c = count(o.count);
      return c === null ? null : { type: 'online', count: c };
    }
    case 'waiting':
      return { type: 'waiting', chat_type: chatType(o.chat_type) };
    case 'resumed': {
      const user_id = str(o.user_id) ?? '';
      const status = str(o.status) ?? '';
      return { type: 'resumed', user_id, status, session_id: str(o.session_id) };
    }
    case 'matched': {
      const session_id = str(o.session_id);
      const ct = chatType(o.chat_type);
      if (!session_id || !ct || typeof o.initiator !== 'boolean') return null;
      const common = Array.isArray(o.common_interests)
        ? o.common_interests.filter((x): x is string => typeof x === 'string' && x.length > 0)
        : [];
      const matched: MatchedMsg = {
        type: 'matched',
        session_id,
        chat_type: ct,
        initiator: o.initiator,
        common_interests: common,
      };
      const turn = parseTurn(o.turn);
      if (turn) matched.turn = turn;
      return withSeq(o, matched);
    }
    case 'message': {
      const text = str(o.text);
      if (text === null) return null;
      const ts = typeof o.ts === 'number' && Number.isFinite(o.ts) ? o.ts : null;
      return withSeq(o, { type: 'message' as const, text, from: str(o.from) ?? 'stranger', ts });
    }
    case 'typing':
      if (typeof o.active !== 'boolean') return null;
      return withSeq(o, { type: 'typing' as const, active: o.active });
    case 'signal':
      if (!isObj(o.data)) return null;
      return withSeq(o, { type: 'signal' as const, data: o.data });
    case 'partner_left': {
      const msg: PartnerLeftMsg = { type: 'partner_left', reason: str(o.reason) ?? 'left' };
      return withSeq(o, msg);
    }
    case 'turn_credentials': {
      const session_id = str(o.session_id);
      const turn = parseTurn(o.turn);
      if (!session_id || !turn) return null;
      return { type: 'turn_credentials', session_id, turn };
    }
    case 'reported':
    case 'blocked':
      return { type: o.type, session_id: str(o.session_id) };
    case 'error':
      return {
        type: 'error',
        code: str(o.code) ?? 'unknown',
        message: str(o.message) ?? '',
      };
    default:
      return null;
  }
}

// ---------------------------------------------------------------------------
// Client -> server

export type ClientMessage =
  | { type: 'start'; chat_type: ChatType; interests: string[] }
  | { type: 'resume'; token: string; since?: number }
  | { type: 'message'; text: string }
  | { type: 'typing'; active: boolean }
  | { type: 'signal'; data: Record<string, unknown> }
  | { type: 'next' }
  | { type: 'stop' }
  | { type: 'turn_credentials' }
  | { type: 'report'; reason: ReportReason; comment?: string }
  | { type: 'block' };

export function encodeClientMessage(msg: ClientMessage): string {
  return JSON.stringify(msg);
}

/** Number of Unicode code points (what a person counts as characters, near enough). */
export function charCount(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

export type MessageCheck =
  | { ok: true; text: string }
  | { ok: false; reason: 'empty' | 'too_long' };

/** Validates a chat message the user wants to send. Surrounding whitespace is dropped. */
export function checkOutgoingMessage(raw: string, max = MAX_MESSAGE_CHARS): MessageCheck {
  const text = raw.trim();
  if (text.length === 0) return { ok: false, reason: 'empty' };
  if (charCount(text) > max) return { ok: false, reason: 'too_long' };
  return { ok: true, text };
}

/** The WebSocket URL on the page's own origin: ws: for http:, wss: for https:. */
export function wsUrl(loc: { protocol: string; host: string }): string {
  const scheme = loc.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${loc.host}/ws`;
}

/** Reads `GET /config` -> RTCIceServer-like list; anything malformed is dropped. */
export interface IceServer {
  urls: string | string[];
  username?: string;
  credential?: string;
}

export function parseIceConfig(body: unknown): IceServer[] {
  if (!isObj(body) || !Array.isArray(body.ice_servers)) return [];
  const out: IceServer[] = [];
  for (const s of body.ice_servers) {
    if (!isObj(s)) continue;
    let urls: string | string[] | null = null;
    if (typeof s.urls === 'string' && s.urls) urls = s.urls;
    else if (Array.isArray(s.urls)) {
      const list = s.urls.filter((u): u is string => typeof u === 'string' && u.length > 0);
      if (list.length) urls = list;
    }
    if (!urls) continue;
    const server: IceServer = { urls };
    if (typeof s.username === 'string') server.username = s.username;
    if (typeof s.credential === 'string') server.credential = s.credential;
    out.push(server);
  }
  return out;
}

function limit(v: unknown, fallback: number, min: number): number {
  return typeof v === 'number' && Number.isFinite(v) && v >= min ? v : fallback;
}

/** Reads the `limits` of `GET /config`; a missing or malformed value keeps its default. */
export function parseClientLimits(body: unknown): ClientLimits {
  const l = isObj(body) && isObj(body.limits) ? body.limits : {};
  return {
    maxMessageChars: Math.floor(limit(l.max_message_chars, DEFAULT_LIMITS.maxMessageChars, 1)),
    maxInterests: Math.floor(limit(l.max_interests, DEFAULT_LIMITS.maxInterests, 0)),
    maxInterestChars: Math.floor(limit(l.max_interest_chars, DEFAULT_LIMITS.maxInterestChars, 1)),
    interestFallbackS: limit(l.interest_fallback_s, DEFAULT_LIMITS.interestFallbackS, 0),
  };
}

/** Reads `turn_available` of `GET /config`: whether the server has a TURN relay. */
export function parseTurnAvailable(body: unknown): boolean {
  return isObj(body) && body.turn_available === true;
}

/**
 * When to ask for fresh TURN credentials valid for `ttlS` seconds: a minute before they
 * expire (at 90% for short lifetimes), never sooner than 10 s.
 */
export function turnRefreshDelayMs(ttlS: number): number {
  return Math.max(10_000, Math.max(ttlS * 0.9, ttlS - 60) * 1000);
}

/** An RTCIceServer for TURN credentials. */
export function turnIceServer(turn: TurnCredentials): IceServer {
  return { urls: [...turn.urls], username: turn.username, credential: turn.credential };
}

/** Reads `GET /health` -> number of people online, or null. */
export function parseHealthOnline(body: unknown): number | null {
  return isObj(body) ? count(body.online) : null;
}
