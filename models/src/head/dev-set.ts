/**
 * @module
 * The dev set used to tune the event detector: YAMNet reference scores of 66 labelled recordings
 * (`shared/fixtures/yamnet-reference`, first 30 s each), and clip-level scoring (a recording counts as
 * "laughter" when the detector emits at least one event).
 */

import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { CLASS_COUNT, SAMPLE_RATE_HZ } from "../../../shared/yamnet/constants.ts";

/** One labelled recording with its per-patch scores. */
export interface DevRecording {
  name: string;
  label: string;
  isLaughter: boolean;
  /** Patch i starts at i × 480 ms. */
  scores: Float32Array[];
  /** Duration of the 16 kHz WAV the scores came from. */
  durationMs: number;
}

/** Clip-level confusion counts and derived figures. */
export interface ClipMetrics {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
  precision: number;
  recall: number;
  f1: number;
  falsePositives: string[];
  falseNegatives: string[];
}

/**
 * Where the reference scores live: `$YAMNET_REFERENCE_DIR`, else `shared/fixtures/yamnet-reference`
 * next to the repository (the shared fixtures are not checked in; they hold the dev audio).
 */
export function devSetDir(): string {
  return (
    process.env.YAMNET_REFERENCE_DIR ??
    fileURLToPath(new URL("../../../../shared/fixtures/yamnet-reference/", import.meta.url))
  );
}

/** Duration of a PCM WAV from its header: the `data` chunk's size over the byte rate. */
function wavDurationMs(path: string): number {
  const bytes = readFileSync(path);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let byteRate = 2 * SAMPLE_RATE_HZ;
  for (let offset = 12; offset + 8 <= bytes.length; ) {
    const id = bytes.toString("ascii", offset, offset + 4);
    const size = view.getUint32(offset + 4, true);
    if (id === "fmt ") byteRate = view.getUint32(offset + 16, true);
    if (id === "data") return (Math.min(size, bytes.length - offset - 8) * 1000) / byteRate;
    offset += 8 + size + (size % 2);
  }
  throw new Error(`${path}: no data chunk; is it a WAV file?`);
}

/**
 * Loads every recording listed in `index.csv`.
 *
 * @example const recordings = loadDevSet(); // 66 recordings, 25 laughter
 */
export function loadDevSet(dir: string = devSetDir()): DevRecording[] {
  const indexPath = join(dir, "index.csv");
  if (!existsSync(indexPath)) {
    throw new Error(
      `${indexPath} not found: set YAMNET_REFERENCE_DIR to the yamnet-reference fixture folder`,
    );
  }
  const [, ...rows] = readFileSync(indexPath, "utf8").trim().split(/\r?\n/);
  return rows.map((row) => {
    const [name, label, isLaughter] = row.split(",");
    const json = JSON.parse(readFileSync(join(dir, `${name}.json`), "utf8")) as { scores: number[][] };
    const scores = json.scores.map((patch, i) => {
      if (patch.length !== CLASS_COUNT)
        throw new Error(`${name}.json: patch ${i} has ${patch.length} scores`);
      return Float32Array.from(patch);
    });
    return {
      name,
      label,
      isLaughter: isLaughter === "1",
      scores,
      durationMs: wavDurationMs(join(dir, `${name}.16k.wav`)),
    };
  });
}

/**
 * Scores clip-level decisions: `predict` says whether a recording contains laughter.
 *
 * @example scoreClips(recordings, (r) => detectEvents(r.scores).length > 0).f1
 */
export function scoreClips(
  recordings: readonly DevRecording[],
  predict: (r: DevRecording) => boolean,
): ClipMetrics {
  const m: ClipMetrics = {
    tp: 0,
    fp: 0,
    fn: 0,
    tn: 0,
    precision: 0,
    recall: 0,
    f1: 0,
    falsePositives: [],
    falseNegatives: [],
  };
  for (const r of recordings) {
    const predicted = predict(r);
    if (predicted && r.isLaughter) m.tp++;
    else if (predicted) {
      m.fp++;
      m.falsePositives.push(r.name);
    } else if (r.isLaughter) {
      m.fn++;
      m.falseNegatives.push(r.name);
    } else m.tn++;
  }
  return withFigures(m);
}

/** Recomputes precision, recall and F1 from the counts (0 when undefined). */
export function withFigures(m: ClipMetrics): ClipMetrics {
  const precision = m.tp + m.fp === 0 ? 0 : m.tp / (m.tp + m.fp);
  const recall = m.tp + m.fn === 0 ? 0 : m.tp / (m.tp + m.fn);
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { ...m, precision, recall, f1 };
}

/** Classes the old system looked at: the laughter family without 16 "Snicker". */
const BASELINE_CLASS_IDS = [13, 14, 15, 17, 18];

/**
 * The old system's rule: laughter if any of classes 13, 14, 15, 17, 18 scores above 0.1 in any patch.
 */
export function baselineSaysLaughter(scores: readonly ArrayLike<number>[]): boolean {
  return scores.some((patch) => BASELINE_CLASS_IDS.some((classId) => patch[classId] > 0.1));
}
