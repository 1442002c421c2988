import { describe, expect, it } from 'vitest';
import { FileChannel, safeFileName, storedType, type DataChannelLike, type FileChannelEvents, type FileOffer } from './fileChannel';

/** Two fake data channels wired to each other; messages are delivered asynchronously. */
class FakeChannel implements DataChannelLike {
  readyState = 'open';
  binaryType = 'blob';
  bufferedAmount = 0;
  bufferedAmountLowThreshold = 0;
  onopen: ((ev: unknown) => void) | null = null;
  onclose: ((ev: unknown) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onbufferedamountlow: ((ev: unknown) => void) | null = null;
  peer: FakeChannel | null = null;
  sent: Array<string | ArrayBuffer> = [];
  maxBuffered = 0;
  send(data: string | ArrayBuffer): void {
    if (this.readyState !== 'open') throw new Error('closed');
    this.sent.push(data);
    const size = typeof data === 'string' ? data.length : data.byteLength;
    this.bufferedAmount += size;
    this.maxBuffered = Math.max(this.maxBuffered, this.bufferedAmount);
    setTimeout(() => {
      this.bufferedAmount -= size;
      if (this.bufferedAmount <= this.bufferedAmountLowThreshold) this.onbufferedamountlow?.({});
      if (this.peer?.readyState === 'open') this.peer.onmessage?.({ data });
    }, 0);
  }
  close(): void {
    if (this.readyState === 'closed') return;
    this.readyState = 'closed';
    const p = this.peer;
    if (p && p.readyState !== 'closed') {
      p.readyState = 'closed';
      setTimeout(() => p.onclose?.({}), 0);
    }
  }
}

function pair() {
  const a = new FakeChannel();
  const b = new FakeChannel();
  a.peer = b;
  b.peer = a;
  return { a, b };
}

function recorder() {
  const log: string[] = [];
  const offers: FileOffer[] = [];
  const blobs = new Map<string, Blob | null>();
  const ev: FileChannelEvents = {
    open: () => log.push('open'),
    closed: () => log.push('closed'),
    offered: (o) => {
      offers.push(o);
      log.push(`offered ${o.id}`);
    },
    accepted: (id) => log.push(`accepted ${id}`),
    declined: (id) => log.push(`declined ${id}`),
    cancelled: (id) => log.push(`cancelled ${id}`),
    progress: (id, n) => log.push(`progress ${id} ${n}`),
    done: (id, blob) => {
      blobs.set(id, blob);
      log.push(`done ${id}`);
    },
    failed: (id, why) => log.push(`failed ${id} ${why}`),
  };
  return { log, offers, blobs, ev };
}

const settle = (ms = 20) => new Promise((r) => setTimeout(r, ms));
async function until(fn: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error('timed out');
    await settle(2);
  }
}

function fileOf(bytes: Uint8Array, name = 'data.bin', type = 'application/octet-stream') {
  const blob = new Blob([bytes.slice().buffer as ArrayBuffer], { type });
  return Object.assign(blob, { name });
}

const opts = { chunkBytes: 1024, highBytes: 4096, lowBytes: 1024, progressEveryMs: 0 };

describe('FileChannel', () => {
  it('sends nothing but the offer until the receiver accepts; then every byte arrives in order', async () => {
    const { a, b } = pair();
    const sa = recorder();
    const sb = recorder();
    const A = new FileChannel(a, sa.ev, opts);
    const B = new FileChannel(b, sb.ev, opts);
    const bytes = new Uint8Array(10_000).map((_, i) => (i * 7) % 251);
    A.offer('f1', fileOf(bytes));
    await until(() => sb.offers.length === 1);
    expect(sb.offers[0]).toEqual({ id: 'f1', name: 'data.bin', size: 10_000, mime: 'application/octet-stream' });
    await settle();
    expect(B.binaryBytesReceived).toBe(0);
    expect(a.sent.filter((m) => typeof m !== 'string')).toEqual([]);
    B.accept('f1');
    await until(() => sa.log.includes('done f1') && sb.log.includes('done f1'));
    const got = new Uint8Array(await sb.blobs.get('f1')!.arrayBuffer());
    expect(got).toEqual(bytes);
    expect(B.binaryBytesReceived).toBe(10_000);
    expect(sa.log).toContain('accepted f1');
    expect(sa.log.filter((l) => l.startsWith('progress')).at(-1)).toBe('progress f1 10000');
    // Backpressure: the sender never buffered much more than the high mark.
    expect(a.maxBuffered).toBeLessThanOrEqual(opts.highBytes + opts.chunkBytes + 200);
  });

  it('a declined offer moves no file bytes', async () => {
    const { a, b } = pair();
    const sa = recorder();
    const sb = recorder();
    const A = new FileChannel(a, sa.ev, opts);
    const B = new FileChannel(b, sb.ev, opts);
    A.offer('f1', fileOf(new Uint8Array(5000)));
    await until(() => sb.offers.length === 1);
    B.decline('f1');
    await until(() => sa.log.includes('declined f1'));
    await settle();
    expect(B.binaryBytesReceived).toBe(0);
    expect(a.sent.every((m) => typeof m === 'string')).toBe(true);
  });

  it('the receiver can cancel mid-way; the sender stops', async () => {
    const { a, b } = pair();
    const sa = recorder();
    const sb = recorder();
    const A = new FileChannel(a, sa.ev, opts);
    const B = new FileChannel(b, sb.ev, opts);
    A.offer('f1', fileOf(new Uint8Array(200_000)));
    await until(() => sb.offers.length === 1);
    B.accept('f1');
    await until(() => B.binaryBytesReceived > 0);
    B.cancel('f1');
    await until(() => sa.log.includes('cancelled f1'));
    const sentBinary = a.sent.filter((m) => typeof m !== 'string').length;
    await settle(50);
    expect(a.sent.filter((m) => typeof m !== 'string').length).toBe(sentBinary);
    expect(sentBinary * 1024).toBeLessThan(200_000);
    expect(sb.log).not.toContain('done f1');
  });

  it('the sender can cancel; the receiver hears it', async () => {
    const { a, b } = pair();
    const sa = recorder();
    const sb = recorder();
    const A = new FileChannel(a, sa.ev, opts);
    new FileChannel(b, sb.ev, opts);
    A.offer('f1', fileOf(new Uint8Array(100)));
    await until(() => sb.offers.length === 1);
    A.cancel('f1');
    await until(() => sb.log.includes('cancelled f1'));
  });

  it('refuses an offer over the size limit without being asked', async () => {
    const { a, b } = pair();
    const sa = recorder();
    const sb = recorder();
    const A = new FileChannel(a, sa.ev, { ...opts, maxBytes: 1000 });
    const B = new FileChannel(b, sb.ev, { ...opts, maxBytes: 1000 });
    A.offer('big', fileOf(new Uint8Array(1001)));
    await until(() => sa.log.includes('declined big'));
    B.accept('big'); // not possible: it was never kept
    await settle();
    expect(B.binaryBytesReceived).toBe(0);
  });

  it('fails running transfers when the channel closes', async () => {
    const { a, b } = pair();
    const sa = recorder();
    const sb = recorder();
    const A = new FileChannel(a, sa.ev, opts);
    new FileChannel(b, sb.ev, opts);
    A.offer('f1', fileOf(new Uint8Array(100)));
    await until(() => sb.offers.length === 1);
    a.close();
    await until(() => sb.log.includes('closed'));
    expect(sb.log).toContain('failed f1 closed');
  });

  it('ignores malformed control messages and binary data nobody accepted', async () => {
    const { a, b } = pair();
    const sb = recorder();
    const B = new FileChannel(b, sb.ev, opts);
    a.send('not json');
    a.send(JSON.stringify({ t: 'offer', id: 'x', name: 'a', size: -1 }));
    a.send(JSON.stringify({ t: 'offer', id: '', name: 'a', size: 1 }));
    a.send(new ArrayBuffer(10));
    await settle();
    expect(sb.offers).toEqual([]);
    expect(B.binaryBytesReceived).toBe(10);
  });
});

describe('received files are made harmless', () => {
  it('file names lose paths and control characters', () => {
    expect(safeFileName('../../etc/passwd')).toBe('_.._etc_passwd');
    expect(safeFileName('a\u0000b\nc.txt')).toBe('a_b_c.txt');
    expect(safeFileName('')).toBe('file');
    expect(safeFileName(42)).toBe('file');
    expect(safeFileName('x'.repeat(300) + '.png').length).toBe(120);
    expect(safeFileName('x'.repeat(300) + '.png').endsWith('.png')).toBe(true);
  });

  it('only plain image types keep their type; the rest is an opaque download', () => {
    expect(storedType('image/png')).toBe('image/png');
    expect(storedType('image/svg+xml')).toBe('application/octet-stream');
    expect(storedType('text/html')).toBe('application/octet-stream');
  });
});
