import { describe, expect, it, vi } from 'vitest';
import { TitleFlash } from './titleFlash';
import { TITLE_FLASH_MS } from '../settings';

describe('TitleFlash', () => {
  it('alternates the title while the tab is hidden and restores it when stopped', () => {
    vi.useFakeTimers();
    const doc = { title: 'parley', hidden: true };
    const f = new TitleFlash(doc, { setInterval: (fn, ms) => setInterval(fn, ms), clearInterval: (h) => clearInterval(h as number) });
    f.notify('New message');
    expect(doc.title).toBe('New message');
    vi.advanceTimersByTime(TITLE_FLASH_MS);
    expect(doc.title).toBe('parley');
    vi.advanceTimersByTime(TITLE_FLASH_MS);
    expect(doc.title).toBe('New message');
    f.notify('New message'); // already flashing: no second timer
    f.stop();
    expect(doc.title).toBe('parley');
    vi.advanceTimersByTime(TITLE_FLASH_MS * 3);
    expect(doc.title).toBe('parley');
    vi.useRealTimers();
  });

  it('does nothing while the tab is visible', () => {
    const doc = { title: 'parley', hidden: false };
    const f = new TitleFlash(doc);
    f.notify('New message');
    expect(doc.title).toBe('parley');
    expect(f.flashing).toBe(false);
  });
});
