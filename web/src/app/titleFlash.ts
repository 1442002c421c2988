// Omegle's comfort: while the tab is hidden, a new stranger message makes the tab title
// alternate with a notice until the user comes back. Document and timers are injected
// for unit tests (titleFlash.test.ts).

import { TITLE_FLASH_MS } from '../settings';

export interface DocumentLike {
  title: string;
  readonly hidden: boolean;
}

export interface IntervalApi {
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

const realIntervals: IntervalApi = {
  setInterval: (fn, ms) => globalThis.setInterval(fn, ms),
  clearInterval: (h) => globalThis.clearInterval(h as ReturnType<typeof setInterval>),
};

export class TitleFlash {
  private timer: unknown = null;
  private original: string | null = null;
  private showingNotice = false;

  constructor(
    private readonly doc: DocumentLike,
    private readonly intervals: IntervalApi = realIntervals,
    private readonly everyMs = TITLE_FLASH_MS,
  ) {}

  get flashing(): boolean {
    return this.timer !== null;
  }

  /** A new message arrived: flash `notice` if the tab is hidden. */
  notify(notice: string): void {
    if (!this.doc.hidden || this.timer !== null) return;
    this.original = this.doc.title;
    this.toggle(notice);
    this.timer = this.intervals.setInterval(() => this.toggle(notice), this.everyMs);
  }

  /** The user is back (tab visible, focus, a key or the mouse): restore the title. */
  stop(): void {
    if (this.timer === null) return;
    this.intervals.clearInterval(this.timer);
    this.timer = null;
    if (this.original !== null) this.doc.title = this.original;
    this.original = null;
    this.showingNotice = false;
  }

  private toggle(notice: string): void {
    this.showingNotice = !this.showingNotice;
    this.doc.title = this.showingNotice ? notice : (this.original ?? '');
  }
}
