import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TYPING_IDLE_MS, TypingNotifier } from './typing';

describe('TypingNotifier', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('reports true on the first keystroke and false after 3 s idle', () => {
    const reports: boolean[] = [];
    const t = new TypingNotifier((a) => reports.push(a));
    t.input('h');
    t.input('he');
    t.input('hel');
    expect(reports).toEqual([true]);
    vi.advanceTimersByTime(TYPING_IDLE_MS - 1);
    expect(reports).toEqual([true]);
    vi.advanceTimersByTime(1);
    expect(reports).toEqual([true, false]);
    expect(TYPING_IDLE_MS).toBe(3000);
  });

  it('each keystroke restarts the idle timer', () => {
    const reports: boolean[] = [];
    const t = new TypingNotifier((a) => reports.push(a));
    t.input('a');
    vi.advanceTimersByTime(2000);
    t.input('ab');
    vi.advanceTimersByTime(2000);
    expect(reports).toEqual([true]);
    vi.advanceTimersByTime(1000);
    expect(reports).toEqual([true, false]);
  });

  it('emptying the field reports false at once', () => {
    const reports: boolean[] = [];
    const t = new TypingNotifier((a) => reports.push(a));
    t.input('a');
    t.input('');
    expect(reports).toEqual([true, false]);
    vi.advanceTimersByTime(10000);
    expect(reports).toEqual([true, false]);
  });

  it('reset forgets without reporting, so typing again reports true', () => {
    const reports: boolean[] = [];
    const t = new TypingNotifier((a) => reports.push(a));
    t.input('a');
    t.reset();
    vi.advanceTimersByTime(10000);
    expect(reports).toEqual([true]);
    t.input('b');
    expect(reports).toEqual([true, true]);
  });
});
