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
