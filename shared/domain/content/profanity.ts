// Profanity: the masking rule. Finding the words is a port (a maintained word list behind an adapter).

export const PROFANITY_MODES = ['off', 'mask', 'reject'] as const;
export type ProfanityMode = (typeof PROFANITY_MODES)[number];

export interface ProfaneSpan {
  /** UTF-16 offsets into the text, end exclusive. */
  start: number;
  end: number;
}

/** The text with the letters and digits of each span after its first one replaced by `*` (`f***`). */
export function maskProfanity(text: string, spans: readonly ProfaneSpan[]): string {
  const chars = [...text];
  // code-point indexes of the UTF-16 offsets
  const at: number[] = [];
  let offset = 0;
  for (let i = 0; i < chars.length; i++) {
    at[offset] = i;
    offset += (chars[i] ?? '').length;
  }
  at[offset] = chars.length;
  for (const s of spans) {
    const from = at[s.start];
    const to = at[s.end];
    if (from === undefined || to === undefined) continue;
    let first = true;
    for (let i = from; i < to; i++) {
      if (!/[\p{L}\p{N}$@!|]/u.test(chars[i] ?? '')) continue;
      if (first) first = false;
      else chars[i] = '*';
    }
  }
  return chars.join('');
}

// why: a word list read with leetspeak (1→i, 4→a, 0→o…) finds words inside numbers, ids, hashes and links ("455",
// "…748b00bf…" in a conversation id: found by the load bench). Nobody swears inside a machine token.
const TOKEN = /\S+/gu;
const LINK = /^(?:[a-z][a-z0-9+.-]*:\/\/|www\.)|^[^@\s]+@[^@\s]+\.[a-z]{2,}$/iu;
const NUMBER = /^[\p{N}.,:;|/+()%#-]+$/u;
const IDENTIFIER_MIN = 12;
const IDENTIFIER_TURNS = 4;

/**
 * Whether a whitespace-separated token is a number, a link, an e-mail address or an id: long, with letters and
 * digits taking turns again and again (hashes, UUIDs), which a word with a year or a leetspeak letter does not.
 */
export function isMachineToken(token: string): boolean {
  // why: leetspeak reads 455 as "ass"; a number (a price, a count, a time) is never a word
  if (NUMBER.test(token)) return true;
  if (LINK.test(token)) return true;
  if (token.length < IDENTIFIER_MIN) return false;
  const turns = token.match(/\p{L}(?=\p{N})|\p{N}(?=\p{L})/gu)?.length ?? 0;
  return turns >= IDENTIFIER_TURNS;
}

/**
 * The spans that are not wholly inside a machine token (isMachineToken) or a mention of one of `userIds`: a mention
 * names a user id, and masking it would break the mention ("@bob.fkzck" read as "fk"; found by the browser test).
 */
export function outsideMachineTokens(
  text: string,
  spans: readonly ProfaneSpan[],
  userIds: ReadonlySet<string> = new Set(),
): ProfaneSpan[] {
  const machine: ProfaneSpan[] = [];
  for (const m of text.matchAll(TOKEN)) {
    const mentioned = m[0].startsWith('@') && userIds.has(m[0].slice(1).replace(/[,.;:!?)]+$/u, ''));
    if (mentioned || isMachineToken(m[0])) machine.push({ start: m.index, end: m.index + m[0].length });
  }
  if (machine.length === 0) return [...spans];
  return spans.filter((s) => !machine.some((t) => t.start <= s.start && s.end <= t.end));
}
