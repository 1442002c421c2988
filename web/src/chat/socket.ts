// A WebSocket that comes back by itself: after an unexpected close it reconnects with
// exponential backoff (with jitter) until close() is called. What to say on the new
// socket (the `resume`) is decided by the chat machine, not here.
// The WebSocket constructor and the timers are injected for unit tests (socket.test.ts).

import type { TimerApi } from './typing';

export interface WebSocketLike {
  readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: unknown) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

const OPEN = 1;

export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 500, maxMs: 8000 };

/** Delay before reconnect attempt `attempt` (0-based): base*2^n capped, times 0.5..1 jitter. */
export function backoffDelay(attempt: number, random: () => number = Math.random, o = DEFAULT_BACKOFF): number {
  const exp = Math.min(o.maxMs, o.baseMs * 2 ** Math.min(attempt, 20));
  return Math.round(exp * (0.5 + 0.5 * random()));
}

export interface SocketOptions {
  url: string;
  onOpen: () => void;
  onMessage: (data: string) => void;
  /** The socket closed without us asking (or could not connect); a retry is scheduled. */
  onDrop: (retryInMs: number) => void;
  create?: (url: string) => WebSocketLike;
  timers?: TimerApi;
  random?: () => number;
  backoff?: BackoffOptions;
  connectTimeoutMs?: number;
}

export class ReconnectingSocket {
  private ws: WebSocketLike | null = null;
  private attempt = 0;
  private retryTimer: unknown = null;
  private connectTimer: unknown = null;
  private stopped = false;
  private readonly timers: TimerApi;
  private readonly create: (url: string) => WebSocketLike;

  constructor(private readonly o: SocketOptions) {
    this.timers = o.timers ?? {
      setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
      clearTimeout: (h) => globalThis.clearTimeout(h as ReturnType<typeof setTimeout>),
    };
    this.create = o.create ?? ((url) => new WebSocket(url) as unknown as WebSocketLike);
  }

  start(): void {
    this.stopped = false;
    if (!this.ws && this.retryTimer === null) this.connect();
  }

  get isOpen(): boolean {
    return this.ws?.readyState === OPEN;
  }

  /** Sends when open; returns false (and drops the frame) otherwise. */
  send(text: string): boolean {
    if (!this.ws || this.ws.readyState !== OPEN) return false;
    this.ws.send(text);
    return true;
  }

  /** Skips the current backoff wait (e.g. the browser says it is online again). */
  reconnectNow(): void {
    if (this.stopped || this.ws || this.retryTimer === null) return;
    this.timers.clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.connect();
  }

  /** Clean close (code 1000): the server ends the participant; no reconnect. */
  close(): void {
    this.stopped = true;
    if (this.retryTimer !== null) this.timers.clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.clearConnectTimer();
    const ws = this.ws;
    this.ws = null;
    if (ws) {
      ws.onopen = ws.onclose = ws.onerror = null;
      ws.onmessage = null;
      try {
        ws.close(1000, 'bye');
      } catch {
        /* already closed */
      }
    }
  }

  private connect(): void {
    let ws: WebSocketLike;
    try {
      ws = this.create(this.o.url);
    } catch {
      this.o.onDrop(this.scheduleRetry());
      return;
    }
    this.ws = ws;
    this.connectTimer = this.timers.setTimeout(() => {
      this.connectTimer = null;
      if (this.ws === ws && ws.readyState !== OPEN) this.dropped(ws);
    }, this.o.connectTimeoutMs ?? 10000);

    ws.onopen = () => {
      if (this.ws !== ws) return;
      this.clearConnectTimer();
      this.attempt = 0;
      this.o.onOpen();
    };
    ws.onmessage = (ev) => {
      if (this.ws !== ws) return;
      if (typeof ev.data === 'string') this.o.onMessage(ev.data);
    };
    ws.onerror = () => {
      /* onclose follows */
    };
    ws.onclose = () => {
      if (this.ws === ws) this.dropped(ws);
    };
  }

  private dropped(ws: WebSocketLike): void {
    this.clearConnectTimer();
    ws.onopen = ws.onclose = ws.onerror = null;
    ws.onmessage = null;
    try {
      ws.close();
    } catch {
      /* ignore */
    }
    this.ws = null;
    if (this.stopped) return;
    this.o.onDrop(this.scheduleRetry());
  }

  private scheduleRetry(): number {
    const delay = backoffDelay(this.attempt++, this.o.random, this.o.backoff);
    this.retryTimer = this.timers.setTimeout(() => {
      this.retryTimer = null;
      if (!this.stopped) this.connect();
    }, delay);
    return delay;
  }

  private clearConnectTimer(): void {
    if (this.connectTimer !== null) {
      this.timers.clearTimeout(this.connectTimer);
      this.connectTimer = null;
    }
  }
}
