// Interest tags: parsing what the user types, and the "You both like ..." line.
// Pure module, unit-tested in interests.test.ts.

import { DEFAULT_LIMITS, type ClientLimits } from './protocol';

/** How many interests and how long each: the server's limits (GET /config). */
export type InterestLimits = Pick<ClientLimits, 'maxInterests' | 'maxInterestChars'>;

/** Normalizes one tag: trimmed, inner whitespace collapsed, lowercase, bounded length. */
export function normalizeInterest(raw: string, limits: InterestLimits = DEFAULT_LIMITS): string {
  const tag = raw.trim().replace(/\s+/g, ' ').toLowerCase();
  // Cut by code points, as the server counts.
  return Array.from(tag).slice(0, limits.maxInterestChars).join('').trim();
}

/**
 * Adds the comma-separated tags in `input` to `current`: empty ones and duplicates are
 * dropped, and at most `limits.maxInterests` are kept.
 */
export function addInterests(
  current: readonly string[],
  input: string,
  limits: InterestLimits = DEFAULT_LIMITS,
): string[] {
  const out = [...current];
  for (const part of input.split(',')) {
    const tag = normalizeInterest(part, limits);
    if (!tag || out.includes(tag)) continue;
    if (out.length >= limits.maxInterests) break;
    out.push(tag);
  }
  return out;
}

export function parseInterests(input: string): string[] {
  return addInterests([], input);
}

export function removeInterest(current: readonly string[], tag: string): string[] {
  return current.filter((t) => t !== tag);
}

/** "music" / "music and chess" / "music, chess and art" (or "... or art"). */
export function joinNaturally(items: readonly string[], conjunction: 'and' | 'or' = 'and'): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} ${conjunction} ${items[items.length - 1]}`;
}

/** The system line shown when a match shares interests, or null when it shares none. */
export function commonInterestsLine(common: readonly string[]): string | null {
  const tags = common.filter((t) => t.trim().length > 0);
  return tags.length ? `You both like ${joinNaturally(tags)}` : null;
}
