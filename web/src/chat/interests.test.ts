import { describe, expect, it } from 'vitest';
import { addInterests, commonInterestsLine, joinNaturally, MAX_INTERESTS, parseInterests, removeInterest } from './interests';

describe('interests', () => {
  it('splits on commas, trims, lowercases and de-duplicates', () => {
    expect(parseInterests(' Music, chess ,,music,  Board   Games ')).toEqual(['music', 'chess', 'board games']);
  });

  it('adds to existing chips and caps the count', () => {
    expect(addInterests(['music'], 'Music, art')).toEqual(['music', 'art']);
    const many = Array.from({ length: 20 }, (_, i) => `t${i}`).join(',');
    expect(parseInterests(many)).toHaveLength(MAX_INTERESTS);
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
