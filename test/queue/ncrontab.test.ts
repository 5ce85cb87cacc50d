import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseNcrontab } from '../../local/host/ncrontab.js';

const at = (iso: string) => new Date(iso);

/** The slow, obvious answer: try every second. */
function bruteNext(expr: string, after: Date): Date {
  const [s, m, h, d, mo, dow] = expr.split(' ');
  const ok = (field: string | undefined, v: number) =>
    field === '*' ||
    field?.split(',').some((p) => (p.startsWith('*/') ? v % Number(p.slice(2)) === 0 : Number(p) === v));
  const t = new Date(Math.floor(after.getTime() / 1000) * 1000);
  for (;;) {
    t.setTime(t.getTime() + 1000);
    if (
      ok(s, t.getUTCSeconds()) &&
      ok(m, t.getUTCMinutes()) &&
      ok(h, t.getUTCHours()) &&
      ok(d, t.getUTCDate()) &&
      ok(mo, t.getUTCMonth() + 1) &&
      ok(dow, t.getUTCDay())
    )
      return t;
  }
}

describe('NCRONTAB (timer trigger schedules: six fields, seconds first, UTC)', () => {
  it('when common schedules are read, then the next occurrence is the one the Functions host picks', () => {
    expect(parseNcrontab('0 */5 * * * *').next(at('2026-01-01T10:03:07Z')).toISOString()).toBe(
      '2026-01-01T10:05:00.000Z',
    );
    expect(parseNcrontab('0 0 3 * * *').next(at('2026-01-01T03:00:00Z')).toISOString()).toBe(
      '2026-01-02T03:00:00.000Z',
    );
    expect(parseNcrontab('30 15 9-17/4 * * 1-5').next(at('2026-01-03T00:00:00Z')).toISOString()).toBe(
      '2026-01-05T09:15:30.000Z',
    );
    expect(parseNcrontab('0 0 0 29 2 *').next(at('2026-03-01T00:00:00Z')).toISOString()).toBe(
      '2028-02-29T00:00:00.000Z',
    );
  });

  it('when a schedule is outside the supported subset, then it is refused with a message, not misread', () => {
    expect(() => parseNcrontab('*/5 * * * *')).toThrow(/six fields/);
    expect(() => parseNcrontab('0 0 9 * * Mon')).toThrow(/day-of-week "Mon" is not supported/);
    expect(() => parseNcrontab('00:05:00')).toThrow(/six fields/);
    expect(() => parseNcrontab('0 61 * * * *')).toThrow(/outside 0-59/);
  });

  it('when schedules of seconds, minutes and hours are drawn at random, then next() equals a second-by-second search', () => {
    const field = (max: number) =>
      fc.oneof(
        fc.constant('*'),
        fc.integer({ min: 0, max }).map(String),
        fc.integer({ min: 1, max: 30 }).map((n) => `*/${n}`),
      );
    fc.assert(
      fc.property(
        field(59),
        field(59),
        field(23),
        fc.date({ min: at('2025-01-01T00:00:00Z'), max: at('2027-01-01T00:00:00Z'), noInvalidDate: true }),
        (s, m, h, after) => {
          const expr = `${s} ${m} ${h} * * *`;
          expect(parseNcrontab(expr).next(after).toISOString()).toBe(bruteNext(expr, after).toISOString());
        },
      ),
      { numRuns: 60 },
    );
  });
});
