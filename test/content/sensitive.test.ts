import { describe, expect, it } from 'vitest';
import {
  findSensitive,
  ibanValid,
  looksLikeCard,
  luhnValid,
  maskSpans,
} from '../../shared/domain/content/sensitive.js';

const mask = (text: string) => maskSpans(text, findSensitive(text));

describe('sensitive data: detection and masking', () => {
  it.each([
    // cards: Luhn-valid numbers of real schemes, with and without separators
    ['card 4111 1111 1111 1111 please', 'card •••• 1111 please', ['card']],
    ['4111-1111-1111-1111', '•••• 1111', ['card']],
    ['my amex 378282246310005.', 'my amex •••• 0005.', ['card']],
    ['mc 5555555555554444', 'mc •••• 4444', ['card']],
    ['mc2 2223003122003222', 'mc2 •••• 3222', ['card']],
    ['discover 6011 1111 1111 1117', 'discover •••• 1117', ['card']],
    // SSNs: the dashed and spaced forms
    ['ssn 123-45-6789', 'ssn •••-••-6789', ['ssn']],
    ['ssn 123 45 6789', 'ssn •••-••-6789', ['ssn']],
    // IBANs: mod-97 checked, with or without spaces, followed by text
    ['iban DE89 3704 0044 0532 0130 00 thanks', 'iban •••• 3000 thanks', ['iban']],
    ['GB82WEST12345698765432', '•••• 5432', ['iban']],
    ['nl: NL91ABNA0417164300.', 'nl: •••• 4300.', ['iban']],
    // secrets: the label stays, the value goes
    ['password: hunter2', 'password: ••••••••', ['secret']],
    ['my Password is hunter2, ok', 'my Password is ••••••••, ok', ['secret']],
    ['api_key=sk_live_abc123', 'api_key=••••••••', ['secret']],
    ['pwd: "correct horse battery"', 'pwd: ••••••••', ['secret']],
    // several in one message
    ['card 4111111111111111 and password: s3cret!.', 'card •••• 1111 and password: ••••••••.', ['card', 'secret']],
  ])('when the text is %j, then it shows %j', (text, masked, kinds) => {
    expect(mask(text)).toBe(masked);
    expect(findSensitive(text).map((s) => s.kind)).toEqual(kinds);
  });

  it.each([
    // Luhn false positives: Luhn-valid, but no card (no issuer range, one repeated digit, too short)
    ['0000 0000 0000 0000'],
    ['order 1234567812345670'], // Luhn-valid, no scheme starts with 1
    ['tracking 9999999999999995'],
    ['79927398713'], // the textbook Luhn example, 11 digits
    // Luhn-invalid card-like numbers
    ['4111 1111 1111 1112'],
    ['5555555555554445'],
    // digits glued to longer runs are not cards
    ['id 44111111111111111112'],
    // SSNs that are never issued, and the ambiguous bare form
    ['000-12-3456'],
    ['666-12-3456'],
    ['912-34-5678'],
    ['123-00-4567'],
    ['123456789'],
    // found by the load bench: hex conversation ids whose tail passes mod-97 (no such country, inside a token)
    ['key 12:34@c_fb2564d7af81d75076d3f52dc135ef3f'],
    ['c_ff265002578a3fc96da550352749bdbb'],
    ['ef16485a0509e6642587f3f58fde5d0a'],
    // IBAN-shaped but the checksum fails
    ['DE89 3704 0044 0532 0130 01'],
    ['GB82WEST12345698765433'],
    // ordinary text
    ['call me at 555-123-4567 or on 2026-11-30'],
    ['the password policy changed'],
    ['a token of appreciation'],
  ])('when the text is %j, then nothing is masked', (text) => {
    expect(findSensitive(text)).toEqual([]);
    expect(mask(text)).toBe(text);
  });

  it('when the check functions get edge cases, then they answer by the standard', () => {
    expect(luhnValid('79927398713')).toBe(true);
    expect(luhnValid('79927398710')).toBe(false);
    expect(looksLikeCard('4111111111111111')).toBe(true);
    expect(looksLikeCard('1111111111111111')).toBe(false);
    expect(ibanValid('DE89370400440532013000')).toBe(true);
    expect(ibanValid('DE8937040044053201300')).toBe(false); // one digit short for DE
    expect(ibanValid('EF16485A0509E6642587F3F58FDE5D0A'.slice(0, 22))).toBe(false); // no country EF
  });
});
