/**
 * @module
 * Human-readable output of `giggles detect`.
 */
import type { LaughterEvent } from "../engine/types.ts";

/** `mm:ss.s` or `h:mm:ss.s` for offsets into a recording. */
export function formatOffset(ms: number): string {
  const totalTenths = Math.round(ms / 100);
  const tenths = totalTenths % 10;
  const totalSeconds = Math.floor(totalTenths / 10);
  const seconds = totalSeconds % 60;
  const minutes = Math.floor(totalSeconds / 60) % 60;
  const hours = Math.floor(totalSeconds / 3600);
  const ss = `${String(seconds).padStart(2, "0")}.${tenths}`;
  return hours > 0
    ? `${hours}:${String(minutes).padStart(2, "0")}:${ss}`
    : `${String(minutes).padStart(2, "0")}:${ss}`;
}

/**
 * A fixed-width table, one row per event.
 *
 * @example formatEventTable([], 5000) // "No laughter found in 00:05.0 of audio.\n"
 */
export function formatEventTable(events: readonly LaughterEvent[], durationMs: number): string {
  if (events.length === 0) return `No laughter found in ${formatOffset(durationMs)} of audio.\n`;
  const header = ["#", "start", "end", "length", "peak", "mean", "class"];
  const rows = events.map((e, i) => [
    String(i + 1),
    formatOffset(e.startMs),
    formatOffset(e.endMs),
    `${((e.endMs - e.startMs) / 1000).toFixed(1)} s`,
    e.peakProbability.toFixed(3),
    e.meanProbability.toFixed(3),
    e.className,
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, c) => cell.padEnd(widths[c]))
      .join("  ")
      .trimEnd();
  const seconds = events.reduce((sum, e) => sum + (e.endMs - e.startMs), 0) / 1000;
  return [
    line(header),
    ...rows.map(line),
    "",
    `${events.length} laugh${events.length === 1 ? "" : "s"}, ${seconds.toFixed(1)} s in ${formatOffset(durationMs)} of audio.`,
    "",
  ].join("\n");
}
