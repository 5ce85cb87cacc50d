/**
 * NCRONTAB as the Functions timer trigger reads it: six fields, `second minute hour day month day-of-week`, in UTC.
 * Supported per field: `*`, numbers, lists `a,b`, ranges `a-b`, steps `*\/n` and `a-b/n`. Names (`Mon`, `Jan`) and
 * the TimeSpan form (`00:05:00`) are refused with a message rather than misread.
 */
export interface Schedule {
  next(after: Date): Date;
}

const FIELDS = [
  { name: 'second', min: 0, max: 59 },
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12 },
  { name: 'day-of-week', min: 0, max: 6 },
] as const;

function parseField(text: string, f: (typeof FIELDS)[number], expr: string): Set<number> {
  const values = new Set<number>();
  for (const part of text.split(',')) {
    const m = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part);
    if (!m) throw new Error(`NCRONTAB "${expr}": ${f.name} "${part}" is not supported (numbers, *, a-b, */n, lists)`);
    const [, whole, from, to, step] = m;
    const lo = whole === '*' ? f.min : Number(from);
    const hi = whole === '*' ? f.max : to !== undefined ? Number(to) : step !== undefined ? f.max : lo;
    const by = step !== undefined ? Number(step) : 1;
    if (lo < f.min || hi > f.max || lo > hi || by < 1)
      throw new Error(`NCRONTAB "${expr}": ${f.name} "${part}" is outside ${f.min}-${f.max}`);
    for (let v = lo; v <= hi; v += by) values.add(v);
  }
  return values;
}

export function parseNcrontab(expr: string): Schedule {
  const parts = expr.trim().split(/\s+/);
  if (parts.length !== 6)
    throw new Error(`NCRONTAB "${expr}": six fields are needed (second minute hour day month day-of-week)`);
  const [sec, min, hour, day, month, dow] = FIELDS.map((f, i) => parseField(parts[i] ?? '', f, expr)) as [
    Set<number>,
    Set<number>,
    Set<number>,
    Set<number>,
    Set<number>,
    Set<number>,
  ];
  const dayRestricted = parts[3] !== '*';
  const dowRestricted = parts[5] !== '*';
  // why: as in cron, when both day fields are restricted a day matches either
  const dayOk = (d: Date) =>
    dayRestricted && dowRestricted
      ? day.has(d.getUTCDate()) || dow.has(d.getUTCDay())
      : day.has(d.getUTCDate()) && dow.has(d.getUTCDay());
  return {
    next(after: Date): Date {
      const t = new Date(Math.floor(after.getTime() / 1000) * 1000 + 1000);
      // bounded: five years of jumps always reach a match of any satisfiable schedule
      for (let guard = 0; guard < 500_000; guard++) {
        if (!month.has(t.getUTCMonth() + 1)) {
          t.setUTCMonth(t.getUTCMonth() + 1, 1);
          t.setUTCHours(0, 0, 0);
        } else if (!dayOk(t)) {
          t.setUTCDate(t.getUTCDate() + 1);
          t.setUTCHours(0, 0, 0);
        } else if (!hour.has(t.getUTCHours())) t.setUTCHours(t.getUTCHours() + 1, 0, 0);
        else if (!min.has(t.getUTCMinutes())) t.setUTCMinutes(t.getUTCMinutes() + 1, 0);
        else if (!sec.has(t.getUTCSeconds())) t.setUTCSeconds(t.getUTCSeconds() + 1);
        else return t;
      }
      throw new Error(`NCRONTAB "${expr}": never fires`);
    },
  };
}
