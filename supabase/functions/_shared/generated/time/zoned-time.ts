// Generated from shared/time/zoned-time.ts by infra/sync-shared.mjs. DO NOT EDIT: change shared/ and re-run it.
/**
 * @module
 * Calendar dates and wall-clock times in IANA time zones, on `Intl` only (runtime-neutral: Node, Deno,
 * browsers). Days are cut in the user's zone, never in UTC (the old system's bug, ORIGINAL.md §4.3);
 * offsets come from the zone database, so DST days of 23 or 25 hours and zones such as Asia/Kolkata
 * (+5:30) or Pacific/Chatham (+12:45/+13:45) need no special cases.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function partsFormatter(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** Throws a RangeError naming the zone when `timeZone` is not an IANA zone this runtime knows. */
export function assertTimeZone(timeZone: string): void {
  try {
    partsFormatter(timeZone);
  } catch {
    throw new RangeError(`unknown time zone "${timeZone}"; use an IANA name such as Europe/Paris`);
  }
}

interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function wallClock(instant: Date, timeZone: string): WallClock {
  const parts: Record<string, number> = {};
  for (const part of partsFormatter(timeZone).formatToParts(instant)) {
    if (part.type !== "literal") parts[part.type] = Number(part.value);
  }
  return {
    year: parts.year,
    month: parts.month,
    day: parts.day,
    hour: parts.hour,
    minute: parts.minute,
    second: parts.second,
  };
}

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

/** The zone's offset from UTC at `instant`, in ms (e.g. +19_800_000 for Asia/Kolkata). */
export function zoneOffsetMs(instant: Date, timeZone: string): number {
  const c = wallClock(instant, timeZone);
  const asUtc = Date.UTC(c.year, c.month - 1, c.day, c.hour, c.minute, c.second);
  return asUtc - Math.floor(instant.getTime() / 1000) * 1000;
}

/**
 * The local calendar date of `instant` in `timeZone`, as `YYYY-MM-DD`.
 *
 * @example localDateOf(new Date("2026-11-28T20:00:00Z"), "Asia/Kolkata") // "2026-11-29"
 */
export function localDateOf(instant: Date, timeZone: string): string {
  const c = wallClock(instant, timeZone);
  return `${pad(c.year, 4)}-${pad(c.month)}-${pad(c.day)}`;
}

/** The local wall-clock time of `instant` in `timeZone`, as `HH:MM:SS`. */
export function localTimeOf(instant: Date, timeZone: string): string {
  const c = wallClock(instant, timeZone);
  return `${pad(c.hour)}:${pad(c.minute)}:${pad(c.second)}`;
}

const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Parses `YYYY-MM-DD`, throwing a RangeError for anything else (including 2026-02-30). */
export function parseLocalDate(date: string): { year: number; month: number; day: number } {
  const match = DATE_PATTERN.exec(date);
  if (match) {
    const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
    const check = new Date(Date.UTC(year, month - 1, day));
    if (check.getUTCFullYear() === year && check.getUTCMonth() === month - 1 && check.getUTCDate() === day) {
      return { year, month, day };
    }
  }
  throw new RangeError(`"${date}" is not a calendar date in YYYY-MM-DD form`);
}

/** `date` plus `days` calendar days (`YYYY-MM-DD`). */
export function addDays(date: string, days: number): string {
  const { year, month, day } = parseLocalDate(date);
  return new Date(Date.UTC(year, month - 1, day + days)).toISOString().slice(0, 10);
}

/**
 * The instant at which the wall clock in `timeZone` shows `date` `time` (`HH:MM[:SS]`). In a DST gap
 * (a time that does not exist) the clock's later reading is used; in an overlap, the earlier instant.
 *
 * @example zonedTimeToInstant("2026-03-08", "00:00", "America/New_York") // 2026-03-08T05:00:00Z
 */
export function zonedTimeToInstant(date: string, time: string, timeZone: string): Date {
  const { year, month, day } = parseLocalDate(date);
  const match = /^(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(time);
  if (!match) throw new RangeError(`"${time}" is not a time in HH:MM[:SS] form`);
  const [hour, minute, second] = [Number(match[1]), Number(match[2]), Number(match[3] ?? 0)];
  if (hour > 23 || minute > 59 || second > 59) throw new RangeError(`"${time}" is not a time of day`);
  const wall = Date.UTC(year, month - 1, day, hour, minute, second);
  // Offsets within a day of the wall time: at most two distinct ones around a transition.
  const offsets = new Set([
    zoneOffsetMs(new Date(wall - 86_400_000), timeZone),
    zoneOffsetMs(new Date(wall + 86_400_000), timeZone),
  ]);
  const candidates = [...offsets].map((offset) => wall - offset).sort((a, b) => a - b);
  const exact = candidates.filter((t) => wall - zoneOffsetMs(new Date(t), timeZone) === t);
  // Overlap: the earlier of the two valid instants. Gap: none is valid; the later candidate is the
  // instant the clock reads as the wall time moved forward by the gap.
  return new Date(exact.length > 0 ? exact[0] : candidates[candidates.length - 1]);
}

/** Start (inclusive) and end (exclusive) instants of the local calendar day `date` in `timeZone`. */
export function localDayBounds(date: string, timeZone: string): { start: Date; end: Date } {
  return {
    start: zonedTimeToInstant(date, "00:00", timeZone),
    end: zonedTimeToInstant(addDays(date, 1), "00:00", timeZone),
  };
}
