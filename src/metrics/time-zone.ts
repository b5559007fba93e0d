/**
 * Times in the center's time zone (config `timeZone`, IANA): where its day begins, and its wall clock.
 * Pure; the zone data is the runtime's (Intl). A formatter is made once per zone.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function fieldsOf(t: number, tz: string): { y: number; mo: number; d: number; h: number; mi: number; s: number } {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formatters.set(tz, f);
  }
  const out = { y: 0, mo: 0, d: 0, h: 0, mi: 0, s: 0 };
  for (const p of f.formatToParts(new Date(t))) {
    if (p.type === 'year') out.y = Number(p.value);
    else if (p.type === 'month') out.mo = Number(p.value);
    else if (p.type === 'day') out.d = Number(p.value);
    else if (p.type === 'hour') out.h = Number(p.value) % 24;
    else if (p.type === 'minute') out.mi = Number(p.value);
    else if (p.type === 'second') out.s = Number(p.value);
  }
  return out;
}

/** The zone's offset from UTC at `t`, ms (Moscow: +3 h). */
export function offsetMs(t: number, tz: string): number {
  const f = fieldsOf(t, tz);
  return Date.UTC(f.y, f.mo - 1, f.d, f.h, f.mi, f.s) - (t - (((t % 1000) + 1000) % 1000));
}

/** When the day that holds `t` began in the zone (epoch ms): local midnight, across a DST change too. */
export function dayStartIn(t: number, tz: string): number {
  const f = fieldsOf(t, tz);
  const midnightAsUtc = Date.UTC(f.y, f.mo - 1, f.d);
  // Local midnight is midnightAsUtc less the offset in force then, which may differ from the offset at
  // t (the clocks moved since). Try the offsets around: the earliest instant that reads 00:00:00 on this
  // date is the day's start (a zone whose clocks fall back at midnight has two); where midnight does not
  // exist (the clocks sprang forward at it), the first instant of the date.
  const candidates = new Set<number>();
  const guess = midnightAsUtc - offsetMs(t, tz);
  for (const at of [t, guess, guess - 2 * 3_600_000, guess + 2 * 3_600_000]) candidates.add(midnightAsUtc - offsetMs(at, tz));
  const sameDate = (x: number) => {
    const g = fieldsOf(x, tz);
    return g.y === f.y && g.mo === f.mo && g.d === f.d;
  };
  const exact = [...candidates].filter((c) => sameDate(c) && clockIn(c, tz) === '00:00:00').sort((a, b) => a - b);
  if (exact.length) return exact[0];
  return midnightAsUtc - offsetMs(guess, tz);
}

/** When the day after the one that holds `t` begins in the zone (a DST day has 23 or 25 hours). */
export function nextDayStartIn(t: number, tz: string): number {
  return dayStartIn(dayStartIn(t, tz) + 36 * 3_600_000, tz);
}

/** `HH:MM:SS` on the zone's wall clock. */
export function clockIn(t: number, tz: string): string {
  const f = fieldsOf(t, tz);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(f.h)}:${p(f.mi)}:${p(f.s)}`;
}
