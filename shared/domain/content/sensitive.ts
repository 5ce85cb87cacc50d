// Sensitive data in message text: card numbers (Luhn + issuer ranges), US SSNs, IBANs (mod-97) and `password: …`
// secrets. Pure: finds spans and masks them; what to do with the clear text (seal it) is the pipeline's business.

export const SENSITIVE_KINDS = ['card', 'ssn', 'iban', 'secret'] as const;
export type SensitiveKind = (typeof SENSITIVE_KINDS)[number];

export interface SensitiveSpan {
  kind: SensitiveKind;
  /** UTF-16 offsets into the text, end exclusive. */
  start: number;
  end: number;
  /** What the span shows instead, e.g. `•••• 1111`. */
  mask: string;
}

const DOTS = '••••';

/** The Luhn (mod 10) check of a digit string. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** Issuer ranges and lengths of the card schemes in use: a Luhn-valid number outside them is not a card. */
const CARD_SCHEMES: { prefix: RegExp; lengths: number[] }[] = [
  { prefix: /^4/, lengths: [13, 16, 19] }, // Visa
  { prefix: /^(5[1-5]|222[1-9]|22[3-9]\d|2[3-6]\d\d|27[01]\d|2720)/, lengths: [16] }, // Mastercard
  { prefix: /^3[47]/, lengths: [15] }, // American Express
  { prefix: /^(6011|65|64[4-9])/, lengths: [16, 17, 18, 19] }, // Discover
  { prefix: /^35(2[89]|[3-8]\d)/, lengths: [16, 17, 18, 19] }, // JCB
  { prefix: /^3(0[0-5]|[689])/, lengths: [14, 15, 16, 17, 18, 19] }, // Diners Club
  { prefix: /^62/, lengths: [16, 17, 18, 19] }, // UnionPay
  { prefix: /^(5[06-9]|6\d)/, lengths: [12, 13, 14, 15, 16, 17, 18, 19] }, // Maestro
];

export function looksLikeCard(digits: string): boolean {
  if (digits.length < 12 || digits.length > 19) return false;
  // why: 0000 0000 0000 0000 and friends pass Luhn; no issuer hands out a number of one repeated digit
  if (/^(\d)\1+$/.test(digits)) return false;
  return CARD_SCHEMES.some((s) => s.prefix.test(digits) && s.lengths.includes(digits.length)) && luhnValid(digits);
}

/**
 * IBAN lengths by country (ISO 13616 registry). A code not listed is no IBAN: by mod-97 alone one random letters-and-
 * digits run in 97 passes, and the load bench found hex conversation ids masked as IBANs.
 */
const IBAN_LENGTHS: Record<string, number> = {
  AD: 24,
  AE: 23,
  AL: 28,
  AT: 20,
  AZ: 28,
  BA: 20,
  BE: 16,
  BG: 22,
  BH: 22,
  BR: 29,
  CH: 21,
  CR: 22,
  CY: 28,
  CZ: 24,
  DE: 22,
  DK: 18,
  DO: 28,
  EE: 20,
  EG: 29,
  ES: 24,
  FI: 18,
  FO: 18,
  FR: 27,
  GB: 22,
  GE: 22,
  GI: 23,
  GL: 18,
  GR: 27,
  GT: 28,
  HR: 21,
  HU: 28,
  IE: 22,
  IL: 23,
  IS: 26,
  IT: 27,
  JO: 30,
  KW: 30,
  KZ: 20,
  LB: 28,
  LI: 21,
  LT: 20,
  LU: 20,
  LV: 21,
  MC: 27,
  MD: 24,
  ME: 22,
  MK: 19,
  MR: 27,
  MT: 31,
  MU: 30,
  NL: 18,
  NO: 15,
  PK: 24,
  PL: 28,
  PS: 29,
  PT: 25,
  QA: 29,
  RO: 24,
  RS: 22,
  SA: 24,
  SE: 24,
  SI: 19,
  SK: 24,
  SM: 27,
  TN: 24,
  TR: 26,
  UA: 29,
  VG: 24,
  XK: 20,
  BI: 27,
  BY: 28,
  DJ: 27,
  FK: 18,
  IQ: 23,
  LC: 32,
  LY: 25,
  MN: 20,
  NI: 28,
  OM: 23,
  RU: 33,
  SC: 31,
  SD: 18,
  SO: 23,
  ST: 25,
  SV: 28,
  TL: 23,
  VA: 22,
  YE: 30,
};

/** The ISO 7064 mod-97 check of an IBAN (no spaces, upper case). */
export function ibanValid(iban: string): boolean {
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/.test(iban)) return false;
  if (IBAN_LENGTHS[iban.slice(0, 2)] !== iban.length) return false;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let rest = 0;
  for (const ch of rearranged) {
    const v = ch >= 'A' ? String(ch.charCodeAt(0) - 55) : ch;
    for (const d of v) rest = (rest * 10 + (d.charCodeAt(0) - 48)) % 97;
  }
  return rest === 1;
}

function cards(text: string): SensitiveSpan[] {
  const out: SensitiveSpan[] = [];
  // digits in groups split by single spaces or hyphens, not glued to other digits
  for (const m of text.matchAll(/(?<![\w-])\d(?:[ -]?\d){11,18}(?![\d])/g)) {
    const raw = m[0];
    const digits = raw.replace(/\D/g, '');
    if (looksLikeCard(digits))
      out.push({ kind: 'card', start: m.index, end: m.index + raw.length, mask: `${DOTS} ${digits.slice(-4)}` });
  }
  return out;
}

function ssns(text: string): SensitiveSpan[] {
  const out: SensitiveSpan[] = [];
  // why: area 000, 666 and 9xx, group 00 and serial 0000 are never issued; the bare 9-digit form is too ambiguous
  for (const m of text.matchAll(/(?<![\d-])(?!000|666|9\d\d)(\d{3})([- ])(?!00)\d{2}\2(?!0000)(\d{4})(?![\d-])/g)) {
    out.push({ kind: 'ssn', start: m.index, end: m.index + m[0].length, mask: `•••-••-${m[3]}` });
  }
  return out;
}

function ibans(text: string): SensitiveSpan[] {
  const out: SensitiveSpan[] = [];
  // why: not inside a longer token (an id like c_fb25…, a path, an address): an IBAN stands as a word of its own
  for (const m of text.matchAll(/(?<![\w@/.-])[A-Za-z]{2}\d{2}(?: ?[A-Za-z0-9]){11,30}/g)) {
    // the candidate may run into the next word: take the country's length, which must end at a word boundary
    const compact: { ch: string; at: number }[] = [];
    for (let i = 0; i < m[0].length; i++) if (m[0][i] !== ' ') compact.push({ ch: m[0][i] ?? '', at: i });
    const chars = compact.map((c) => c.ch.toUpperCase()).join('');
    const len = IBAN_LENGTHS[chars.slice(0, 2)];
    if (len === undefined || len > chars.length) continue;
    const lastAt = compact[len - 1]?.at ?? 0;
    const nextCh = m[0][lastAt + 1];
    if ((nextCh !== undefined && nextCh !== ' ') || !ibanValid(chars.slice(0, len))) continue;
    out.push({ kind: 'iban', start: m.index, end: m.index + lastAt + 1, mask: `${DOTS} ${chars.slice(len - 4, len)}` });
  }
  return out;
}

const SECRET_LABELS = String.raw`pass(?:word|wd|phrase|code)?|pwd|pin|secret|api[_ -]?key|access[_ -]?token|token|otp`;

function secrets(text: string): SensitiveSpan[] {
  const out: SensitiveSpan[] = [];
  const re = new RegExp(
    String.raw`\b(?:${SECRET_LABELS})\b(?:\s*[:=]\s*|\s+is\s+)("[^"\n]+"|'[^'\n]+'|[^\s"']+)`,
    'giu',
  );
  for (const m of text.matchAll(re)) {
    let value = m[1] ?? '';
    // why: the sentence's full stop or comma is not part of the secret
    value = value.replace(/[.,;:)\]]+$/u, '');
    if (value === '') continue;
    const start = m.index + m[0].length - (m[1] ?? '').length;
    out.push({ kind: 'secret', start, end: start + value.length, mask: '••••••••' });
  }
  return out;
}

/** Every sensitive span of the text, in order, none overlapping (cards win over IBANs over SSNs over secrets). */
export function findSensitive(text: string): SensitiveSpan[] {
  const chosen: SensitiveSpan[] = [];
  for (const span of [...cards(text), ...ibans(text), ...ssns(text), ...secrets(text)]) {
    if (!chosen.some((c) => span.start < c.end && c.start < span.end)) chosen.push(span);
  }
  return chosen.sort((a, b) => a.start - b.start);
}

/** The text with each span replaced by its mask. */
export function maskSpans(text: string, spans: readonly { start: number; end: number; mask: string }[]): string {
  let out = '';
  let at = 0;
  for (const s of [...spans].sort((a, b) => a.start - b.start)) {
    out += text.slice(at, s.start) + s.mask;
    at = s.end;
  }
  return out + text.slice(at);
}
