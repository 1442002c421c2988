// Files over an RTCDataChannel, never through the server.
//
// Control messages are JSON text frames; file bytes are binary frames:
//   sender                                receiver
//   {t:'offer', id, name, size, mime}  ->
//                                      <- {t:'accept', id} | {t:'decline', id}
//   binary chunks (FILE_CHUNK_BYTES)   ->   (only after accept; nothing before)
//                                      <- {t:'received', id}   (all bytes arrived)
//   {t:'cancel', id} goes either way at any time.
// At most one file is on its way in each direction, so binary frames belong to the one
// incoming file we accepted. Sending waits on bufferedAmount (backpressure) so a large
// file never piles up in memory. The channel is injectable for unit tests.

import {
  FILE_BUFFER_HIGH_BYTES,
  FILE_BUFFER_LOW_BYTES,
  FILE_CHUNK_BYTES,
  MAX_FILE_BYTES,
} from '../settings';

export interface DataChannelLike {
  readonly readyState: string;
  binaryType: string;
  readonly bufferedAmount: number;
  bufferedAmountLowThreshold: number;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: unknown) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onbufferedamountlow: ((ev: unknown) => void) | null;
  send(data: string | ArrayBuffer): void;
  close(): void;
}

/** What is sent: a File, or anything Blob-like with a name. */
export interface OutgoingFile {
  name: string;
  size: number;
  type: string;
  slice(start: number, end: number): { arrayBuffer(): Promise<ArrayBuffer> };
}

export interface FileOffer {
  id: string;
  name: string;
  size: number;
  mime: string;
}

export interface FileChannelEvents {
  open(): void;
  closed(): void;
  offered(offer: FileOffer): void;
  accepted(id: string): void;
  declined(id: string): void;
  cancelled(id: string): void;
  progress(id: string, bytes: number): void;
  /** Receiver: every byte is here. Sender: the receiver confirmed every byte. */
  done(id: string, blob: Blob | null): void;
  failed(id: string, reason: string): void;
}

export interface FileChannelOptions {
  chunkBytes?: number;
  highBytes?: number;
  lowBytes?: number;
  maxBytes?: number;
  /** Minimum time between two progress reports of one transfer. */
  progressEveryMs?: number;
  now?: () => number;
}

/** Image types shown inline; anything else is offered as a download only. */
const PREVIEW_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/avif']);

export function isPreviewable(mime: string): boolean {
  return PREVIEW_TYPES.has(mime);
}

/**
 * The type a received file is stored with: a previewable image keeps its type, anything
 * else becomes application/octet-stream, so the browser never renders or runs it.
 */
export function storedType(mime: string): string {
  return isPreviewable(mime) ? mime : 'application/octet-stream';
}

/** A file name from the stranger, made harmless: no paths, no control characters. */
export function safeFileName(raw: unknown): string {
  if (typeof raw !== 'string') return 'file';
  // eslint-disable-next-line no-control-regex
  let name = raw.replace(/[\u0000-\u001f\u007f<>:"/\\|?*]/g, '_').replace(/^[.\s]+/, '').trim();
  if (name.length > 120) {
    const dot = name.lastIndexOf('.');
    const ext = dot > 0 && name.length - dot <= 10 ? name.slice(dot) : '';
    name = name.slice(0, 120 - ext.length) + ext;
  }
  return name || 'file';
}

type Control =
  | ({ t: 'offer' } & FileOffer)
  | { t: 'accept' | 'decline' | 'cancel' | 'received'; id: string };

function parseControl(raw: string): Control | null {
  if (raw.length > 4096) return null;
  let o: unknown;
  try {
    o = JSON.parse(raw);
  } catch {
    return null;
  }
  if (typeof o !== 'object' || o === null) return null;
  const m = o as Record<string, unknown>;
  if (typeof m.id !== 'string' || m.id.length === 0 || m.id.length > 64) return null;
  switch (m.t) {
    case 'offer': {
      const size = m.size;
      if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) return null;
      const mime = typeof m.mime === 'string' && m.mime.length <= 100 ? m.mime.toLowerCase() : '';
      return { t: 'offer', id: m.id, name: safeFileName(m.name), size, mime };
    }
    case 'accept':
    case 'decline':
    case 'cancel':
    case 'received':
      return { t: m.t, id: m.id };
    default:
      return null;
  }
}

interface Outgoing {
  file: OutgoingFile;
  state: 'offered' | 'sending' | 'sent';
  stop: boolean;
}

interface Incoming {
  offer: FileOffer;
  accepted: boolean;
  chunks: ArrayBuffer[];
  bytes: number;
  lastReport: number;
}

export class FileChannel {
  private readonly out = new Map<string, Outgoing>();
  private readonly inc = new Map<string, Incoming>();
  private current: Incoming | null = null;
  private lowWaiters: Array<() => void> = [];
  private closed = false;
  private readonly o: Required<FileChannelOptions>;
  /** Binary bytes that arrived on this channel (for tests: a declined offer moves none). */
  binaryBytesReceived = 0;

  constructor(
    private readonly ch: DataChannelLike,
    private readonly ev: FileChannelEvents,
    opts: FileChannelOptions = {},
  ) {
    this.o = {
      chunkBytes: opts.chunkBytes ?? FILE_CHUNK_BYTES,
      highBytes: opts.highBytes ?? FILE_BUFFER_HIGH_BYTES,
      lowBytes: opts.lowBytes ?? FILE_BUFFER_LOW_BYTES,
      maxBytes: opts.maxBytes ?? MAX_FILE_BYTES,
      progressEveryMs: opts.progressEveryMs ?? 100,
      now: opts.now ?? (() => Date.now()),
    };
    ch.binaryType = 'arraybuffer';
    ch.bufferedAmountLowThreshold = this.o.lowBytes;
    ch.onopen = () => !this.closed && ev.open();
    ch.onclose = () => this.onClosed();
    ch.onerror = () => undefined; // a close follows
    ch.onbufferedamountlow = () => this.wakeSenders();
    ch.onmessage = (e) => this.onMessage(e.data);
    if (ch.readyState === 'open') queueMicrotask(() => !this.closed && ev.open());
  }

  get isOpen(): boolean {
    return !this.closed && this.ch.readyState === 'open';
  }

  offer(id: string, file: OutgoingFile): void {
    if (!this.isOpen) {
      this.ev.failed(id, 'closed');
      return;
    }
    this.out.set(id, { file, state: 'offered', stop: false });
    this.control({ t: 'offer', id, name: safeFileName(file.name), size: file.size, mime: file.type || '' });
  }

  accept(id: string): void {
    const t = this.inc.get(id);
    if (!t || t.accepted || this.current) return;
    t.accepted = true;
    this.current = t;
    this.control({ t: 'accept', id });
    if (t.offer.size === 0) this.finishIncoming(t);
  }

  decline(id: string): void {
    this.inc.delete(id);
    this.control({ t: 'decline', id });
  }

  cancel(id: string): void {
    const o = this.out.get(id);
    if (o) {
      o.stop = true;
      this.out.delete(id);
    }
    const i = this.inc.get(id);
    if (i) {
      this.inc.delete(id);
      if (this.current === i) this.current = null;
    }
    this.control({ t: 'cancel', id });
    this.wakeSenders();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const o of this.out.values()) o.stop = true;
    this.out.clear();
    this.inc.clear();
    this.current = null;
    this.wakeSenders();
    this.ch.onopen = this.ch.onclose = this.ch.onmessage = this.ch.onbufferedamountlow = this.ch.onerror = null;
    try {
      this.ch.close();
    } catch {
      /* already closed */
    }
  }

  // -- internals --------------------------------------------------------------

  private control(msg: Control): void {
    if (!this.isOpen) return;
    try {
      this.ch.send(JSON.stringify(msg));
    } catch {
      /* the close event reports it */
    }
  }

  private onClosed(): void {
    if (this.closed) return;
    const ids = [...this.out.keys(), ...this.inc.keys()];
    this.close();
    for (const id of ids) this.ev.failed(id, 'closed');
    this.ev.closed();
  }

  private onMessage(data: unknown): void {
    if (this.closed) return;
    if (typeof data === 'string') {
      const msg = parseControl(data);
      if (msg) this.onControl(msg);
      return;
    }
    if (data instanceof ArrayBuffer) this.onChunk(data);
  }

  private onControl(msg: Control): void {
    switch (msg.t) {
      case 'offer': {
        if (this.inc.has(msg.id)) return;
        const offer: FileOffer = { id: msg.id, name: msg.name, size: msg.size, mime: msg.mime };
        if (offer.size > this.o.maxBytes) {
          // Refused here too: the limit holds even if the other client ignores it.
          this.control({ t: 'decline', id: offer.id });
          this.ev.offered(offer);
          return;
        }
        this.inc.set(msg.id, { offer, accepted: false, chunks: [], bytes: 0, lastReport: 0 });
        this.ev.offered(offer);
        return;
      }
      case 'accept': {
        const o = this.out.get(msg.id);
        if (!o || o.state !== 'offered') return;
        o.state = 'sending';
        this.ev.accepted(msg.id);
        void this.pump(msg.id, o);
        return;
      }
      case 'decline':
        if (this.out.get(msg.id)?.state === 'offered') {
          this.out.delete(msg.id);
          this.ev.declined(msg.id);
        }
        return;
      case 'received': {
        const o = this.out.get(msg.id);
        if (!o || o.state === 'offered') return;
        this.out.delete(msg.id);
        this.ev.done(msg.id, null);
        return;
      }
      case 'cancel': {
        const o = this.out.get(msg.id);
        if (o) {
          o.stop = true;
          this.out.delete(msg.id);
          this.wakeSenders();
          this.ev.cancelled(msg.id);
          return;
        }
        const i = this.inc.get(msg.id);
        if (i) {
          this.inc.delete(msg.id);
          if (this.current === i) this.current = null;
          this.ev.cancelled(msg.id);
        }
        return;
      }
    }
  }

  private onChunk(buf: ArrayBuffer): void {
    this.binaryBytesReceived += buf.byteLength;
    const t = this.current;
    if (!t) return; // nothing accepted (e.g. chunks still in flight after a cancel)
    if (t.bytes + buf.byteLength > t.offer.size) {
      this.cancel(t.offer.id);
      this.ev.failed(t.offer.id, 'too many bytes');
      return;
    }
    t.chunks.push(buf);
    t.bytes += buf.byteLength;
    if (t.bytes === t.offer.size) {
      this.finishIncoming(t);
      return;
    }
    const now = this.o.now();
    if (now - t.lastReport >= this.o.progressEveryMs) {
      t.lastReport = now;
      this.ev.progress(t.offer.id, t.bytes);
    }
  }

  private finishIncoming(t: Incoming): void {
    const blob = new Blob(t.chunks, { type: storedType(t.offer.mime) });
    t.chunks = [];
    this.inc.delete(t.offer.id);
    this.current = null;
    this.control({ t: 'received', id: t.offer.id });
    this.ev.done(t.offer.id, blob);
  }

  private wakeSenders(): void {
    const waiters = this.lowWaiters;
    this.lowWaiters = [];
    for (const w of waiters) w();
  }

  private waitForLow(): Promise<void> {
    return new Promise((resolve) => this.lowWaiters.push(resolve));
  }

  private async pump(id: string, o: Outgoing): Promise<void> {
    const { file } = o;
    let offset = 0;
    let lastReport = 0;
    try {
      while (offset < file.size) {
        if (o.stop || !this.isOpen) return;
        if (this.ch.bufferedAmount > this.o.highBytes) {
          await this.waitForLow();
          continue;
        }
        const end = Math.min(file.size, offset + this.o.chunkBytes);
        const chunk = await file.slice(offset, end).arrayBuffer();
        if (o.stop || !this.isOpen) return;
        this.ch.send(chunk);
        offset = end;
        const now = this.o.now();
        if (now - lastReport >= this.o.progressEveryMs || offset === file.size) {
          lastReport = now;
          this.ev.progress(id, offset);
        }
      }
      o.state = 'sent';
    } catch (err) {
      if (o.stop || this.closed) return;
      this.out.delete(id);
      this.control({ t: 'cancel', id });
      this.ev.failed(id, err instanceof Error ? err.message : 'send failed');
    }
  }
}
