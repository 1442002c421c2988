import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { backoffDelay, ReconnectingSocket, type WebSocketLike } from './socket';

class FakeWs implements WebSocketLike {
  static all: FakeWs[] = [];
  readyState = 0;
  onopen: ((ev: unknown) => void) | null = null;
  onclose: ((ev: unknown) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  sent: string[] = [];
  closedWith: number | undefined | null = null;
  constructor(public url: string) {
    FakeWs.all.push(this);
  }
  send(data: string) {
    this.sent.push(data);
  }
  close(code?: number) {
    this.closedWith = code;
    this.readyState = 3;
  }
  // test drivers
  open() {
    this.readyState = 1;
    this.onopen?.({});
  }
  drop() {
    this.readyState = 3;
    this.onclose?.({ code: 1006 });
  }
  receive(data: string) {
    this.onmessage?.({ data });
  }
}

function make(random = () => 1) {
  const events: string[] = [];
  const s = new ReconnectingSocket({
    url: 'ws://x/ws',
    create: (url) => new FakeWs(url),
    random,
    onOpen: () => events.push('open'),
    onMessage: (d) => events.push(`msg:${d}`),
    onDrop: (ms) => events.push(`drop:${ms}`),
  });
  return { s, events };
}

describe('backoffDelay', () => {
  it('doubles from 500 ms and caps at 8 s', () => {
    const full = () => 1;
    expect([0, 1, 2, 3, 4, 5, 10].map((n) => backoffDelay(n, full))).toEqual([500, 1000, 2000, 4000, 8000, 8000, 8000]);
  });
  it('jitters down to half', () => {
    expect(backoffDelay(2, () => 0)).toBe(1000);
  });
});

describe('ReconnectingSocket', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    FakeWs.all = [];
  });
  afterEach(() => vi.useRealTimers());

  it('passes messages through and sends only when open', () => {
    const { s, events } = make();
    s.start();
    const ws = FakeWs.all[0];
    expect(ws.url).toBe('ws://x/ws');
    expect(s.send('early')).toBe(false);
    ws.open();
    expect(s.send('hello')).toBe(true);
    ws.receive('{"type":"online"}');
    expect(ws.sent).toEqual(['hello']);
    expect(events).toEqual(['open', 'msg:{"type":"online"}']);
  });

  it('reconnects after a drop with growing backoff, reset by a successful open', () => {
    const { s, events } = make();
    s.start();
    FakeWs.all[0].open();
    FakeWs.all[0].drop();
    expect(events.at(-1)).toBe('drop:500');
    vi.advanceTimersByTime(499);
    expect(FakeWs.all).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(FakeWs.all).toHaveLength(2);
    FakeWs.all[1].drop(); // could not connect
    expect(events.at(-1)).toBe('drop:1000');
    vi.advanceTimersByTime(1000);
    FakeWs.all[2].drop();
    expect(events.at(-1)).toBe('drop:2000');
    vi.advanceTimersByTime(2000);
    FakeWs.all[3].open();
    FakeWs.all[3].drop();
    expect(events.at(-1)).toBe('drop:500');
  });

  it('gives up on a socket that never opens', () => {
    const { s, events } = make();
    s.start();
    vi.advanceTimersByTime(10000);
    expect(events).toEqual(['drop:500']);
    expect(FakeWs.all[0].closedWith).toBeUndefined();
  });

  it('close() closes cleanly with 1000 and never reconnects', () => {
    const { s, events } = make();
    s.start();
    FakeWs.all[0].open();
    s.close();
    expect(FakeWs.all[0].closedWith).toBe(1000);
    FakeWs.all[0].drop();
    vi.advanceTimersByTime(60000);
    expect(FakeWs.all).toHaveLength(1);
    expect(events).toEqual(['open']);
  });

  it('reconnectNow skips the wait', () => {
    const { s } = make();
    s.start();
    FakeWs.all[0].open();
    FakeWs.all[0].drop();
    s.reconnectNow();
    expect(FakeWs.all).toHaveLength(2);
  });

  it('ignores events of a socket it already replaced', () => {
    const { s, events } = make();
    s.start();
    const first = FakeWs.all[0];
    first.open();
    const onmessage = first.onmessage;
    first.drop();
    vi.advanceTimersByTime(500);
    onmessage?.({ data: 'late' });
    expect(events).not.toContain('msg:late');
  });
});
