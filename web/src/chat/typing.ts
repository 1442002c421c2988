// Own typing indicator: reports `true` when the user starts typing and `false` after
// TYPING_IDLE_MS without a keystroke or when the field is emptied. Timers are injected
// so the logic is unit-testable with fake timers (typing.test.ts).

import { TYPING_IDLE_MS } from '../settings';

export { TYPING_IDLE_MS };

export interface TimerApi {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realTimers: TimerApi = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (h) => globalThis.clearTimeout(h as ReturnType<typeof setTimeout>),
};

export class TypingNotifier {
  private active = false;
  private timer: unknown = null;

  constructor(
    private readonly report: (active: boolean) => void,
    private readonly idleMs = TYPING_IDLE_MS,
    private readonly timers: TimerApi = realTimers,
  ) {}

  /** Call on every change of the message field. */
  input(text: string): void {
    this.clearTimer();
    if (text.trim().length === 0) {
      this.set(false);
      return;
    }
    this.set(true);
    this.timer = this.timers.setTimeout(() => {
      this.timer = null;
      this.set(false);
    }, this.idleMs);
  }

  /** Forget the state without reporting (after a send, or when the chat ends). */
  reset(): void {
    this.clearTimer();
    this.active = false;
  }

  private set(active: boolean): void {
    if (this.active === active) return;
    this.active = active;
    this.report(active);
  }

  private clearTimer(): void {
    if (this.timer !== null) {
      this.timers.clearTimeout(this.timer);
      this.timer = null;
    }
  }
}
