/**
 * @module
 * Tells the two kinds of decode warning apart and sums up the damage: a stream that ended early is
 * *truncated* (the engine's `truncated` notice: the rest never arrived, asking again later may bring it), any
 * other warning is *corrupt* (damaged frames or pages were skipped: the bytes are all there, asking again
 * brings the same damage). The CLI and the node both report corruption from this (issue 19 item 7).
 */
import type { AudioDecodeWarning } from "./audio-decode-error.ts";

/** Damage found while decoding: how many warnings, and the first one's message and offset. */
export interface CorruptionNotice {
  message: string;
  byteOffset?: number;
  /** Damaged stretches (frames, pages, gaps) the decoder reported. */
  damagedParts: number;
}

/**
 * Collects the corrupt (not truncated) warnings of one decode.
 *
 * @example
 * ```ts
 * const damage = new DamageTally();
 * const result = await engine.detect(bytes, { onWarning: (w) => damage.note(w) });
 * if (damage.notice) console.warn(`corrupt: ${damage.notice.damagedParts} damaged part(s)`);
 * ```
 */
export class DamageTally {
  notice: CorruptionNotice | undefined;

  note(warning: AudioDecodeWarning): void {
    if (warning.truncated) return;
    this.notice ??= {
      message: warning.message,
      ...(warning.byteOffset === undefined ? {} : { byteOffset: warning.byteOffset }),
      damagedParts: 0,
    };
    this.notice.damagedParts++;
  }
}
