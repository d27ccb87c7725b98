/**
 * @module
 * How the page writes dates, lengths and probabilities (one place, so every view agrees).
 */
import { parseLocalDate } from "../../shared/time/zoned-time.ts";

/** "Sat 21 Nov 2026" for a local date (the calendar date itself: no zone conversion). */
export function formatDate(date: string): string {
  const { year, month, day } = parseLocalDate(date);
  return new Date(Date.UTC(year, month - 1, day)).toLocaleDateString("en-GB", {
    timeZone: "UTC",
    weekday: "short",
    day: "numeric",
    month: "short",
    year: "numeric",
  });
}

/** "21 Nov 2026". */
export function formatDayMonth(date: string): string {
  const { year, month, day } = parseLocalDate(date);
  return new Date(Date.UTC(year, month - 1, day)).toLocaleDateString("en-GB", {
    timeZone: "UTC",
    day: "numeric",
    month: "short",
    year: "numeric",
  });
}

export function formatWeekday(date: string): string {
  const { year, month, day } = parseLocalDate(date);
  return new Date(Date.UTC(year, month - 1, day)).toLocaleDateString("en-GB", {
    timeZone: "UTC",
    weekday: "long",
  });
}

export const formatSeconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
export const formatProbability = (p: number) => p.toFixed(2);

/** Seconds since local midnight of "HH:MM:SS". */
export function secondsOfDay(localTime: string): number {
  const [h, m, s] = localTime.split(":").map(Number);
  return h * 3600 + m * 60 + s;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
