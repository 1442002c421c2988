import { describe, expect, it } from 'vitest';
import { addInterests, commonInterestsLine, joinNaturally, parseInterests, removeInterest } from './interests';
import { DEFAULT_LIMITS } from './protocol';

describe('interests', () => {
  it('splits on commas, trims, lowercases and de-duplicates', () => {
    expect(parseInterests(' Music, chess ,,music,  Board   Games ')).toEqual(['music', 'chess', 'board games']);
  });

  it('adds to existing chips and caps the count', () => {
    expect(addInterests(['music'], 'Music, art')).toEqual(['music', 'art']);
    const many = Array.from({ length: 20 }, (_, i) => `t${i}`).join(',');
    expect(parseInterests(many)).toHaveLength(DEFAULT_LIMITS.maxInterests);
    // The server's limits, when it sent others, win.
    expect(addInterests([], many, { maxInterests: 3, maxInterestChars: 2 })).toEqual(['t0', 't1', 't2']);
    expect(addInterests([], 'abcdef', { maxInterests: 3, maxInterestChars: 2 })).toEqual(['ab']);
  });

  it('bounds the length of one tag', () => {
    expect(parseInterests('x'.repeat(100))[0]).toHaveLength(32);
  });

  it('removes a chip', () => {
    expect(removeInterest(['a', 'b', 'c'], 'b')).toEqual(['a', 'c']);
  });

  it('lists naturally', () => {
    expect(joinNaturally([])).toBe('');
    expect(joinNaturally(['music'])).toBe('music');
    expect(joinNaturally(['music', 'chess'])).toBe('music and chess');
    expect(joinNaturally(['music', 'chess', 'art'])).toBe('music, chess and art');
    expect(joinNaturally(['music', 'chess'], 'or')).toBe('music or chess');
  });

  it('makes the common interests line', () => {
    expect(commonInterestsLine(['music'])).toBe('You both like music');
    expect(commonInterestsLine(['music', 'chess'])).toBe('You both like music and chess');
    expect(commonInterestsLine([])).toBeNull();
  });
});
