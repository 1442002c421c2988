import { describe, expect, it } from 'vitest';
import { AGE_KEY, ageConfirmed, confirmAge } from './ageGate';

function memory() {
  const m = new Map<string, string>();
  return { getItem: (k: string) => m.get(k) ?? null, setItem: (k: string, v: string) => void m.set(k, v), m };
}

describe('age and rules gate', () => {
  it('asks on a new device and remembers the confirmation', () => {
    const store = memory();
    expect(ageConfirmed(store)).toBe(false);
    confirmAge(store);
    expect(store.m.get(AGE_KEY)).toBe('1');
    expect(ageConfirmed(store)).toBe(true);
  });

  it('asks again when storage is unavailable or throws', () => {
    expect(ageConfirmed(null)).toBe(false);
    const broken = {
      getItem: () => {
        throw new Error('denied');
      },
      setItem: () => {
        throw new Error('denied');
      },
    };
    expect(() => confirmAge(broken)).not.toThrow();
    expect(ageConfirmed(broken)).toBe(false);
  });
});
