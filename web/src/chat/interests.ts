// Interest tags: parsing what the user types, and the "You both like ..." line.
// Pure module, unit-tested in interests.test.ts.

export const MAX_INTERESTS = 10;
export const MAX_INTEREST_CHARS = 32;

/** Normalizes one tag: trimmed, inner whitespace collapsed, lowercase, bounded length. */
export function normalizeInterest(raw: string): string {
  return raw.trim().replace(/\s+/g, ' ').toLowerCase().slice(0, MAX_INTEREST_CHARS).trim();
}

/**
 * Adds the comma-separated tags in `input` to `current`: empty ones and duplicates are
 * dropped, and at most MAX_INTERESTS are kept.
 */
export function addInterests(current: readonly string[], input: string): string[] {
  const out = [...current];
  for (const part of input.split(',')) {
    const tag = normalizeInterest(part);
    if (!tag || out.includes(tag)) continue;
    if (out.length >= MAX_INTERESTS) break;
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
