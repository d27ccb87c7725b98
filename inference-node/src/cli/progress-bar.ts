/**
 * @module
 * A one-line progress bar for a TTY (stderr), redrawn at most every 100 ms.
 */
import { formatOffset } from "./format-events.ts";

export interface ProgressBar {
  update(bytesRead: number, audioMs: number): void;
  done(): void;
}

const REDRAW_INTERVAL_MS = 100;
const BAR_WIDTH = 30;

export function createProgressBar(stream: NodeJS.WriteStream, totalBytes?: number): ProgressBar {
  let lastDraw = 0;
  let drawn = false;
  return {
    update(bytesRead, audioMs) {
      const now = Date.now();
      if (now - lastDraw < REDRAW_INTERVAL_MS) return;
      lastDraw = now;
      drawn = true;
      const fraction = totalBytes ? Math.min(1, bytesRead / totalBytes) : undefined;
      const bar =
        fraction === undefined
          ? ""
          : `[${"#".repeat(Math.round(fraction * BAR_WIDTH)).padEnd(BAR_WIDTH, ".")}] ${(fraction * 100).toFixed(0).padStart(3)}% `;
      stream.write(`\r${bar}${formatOffset(audioMs)} of audio scored`);
    },
    done() {
      if (drawn) stream.write("\r\x1b[K");
    },
  };
}
