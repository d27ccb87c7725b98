import { createReadStream, existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { decodeTo16kMono } from "../../../inference-node/src/audio/decode-stream.ts";
import type { LaughterEvent } from "../../../inference-node/src/engine/types.ts";
import { detectEvents, RULE_EVENT_OPTIONS } from "../../../inference-node/src/events/event-detector.ts";
import { SAMPLE_RATE_HZ } from "../../../shared/yamnet/constants.ts";
import { spawnOpusEncoder } from "../../../test/bench/opus-encoder.ts";
import { seededRandom } from "../../../test/harness/seeded-random.ts";
import { MODEL_BUILD_DIR } from "../model-paths.ts";
import { dbToGain, roomTone } from "./augment.ts";
import type { HeadEventParameters } from "./cross-validate.ts";
import { decodeFile, type Embedder, type PatchFeatures, scoreRows } from "./embedder.ts";
import { type HeadModel, headProbabilities } from "./mil-head.ts";
import type { PoolRecording } from "./training-pool.ts";

/** One recording placed in the day. */
export interface Placement {
  recording: PoolRecording;
  startMs: number;
  endMs: number;
}

/** What one decision did on the day. */
export interface DayFigures {
  hours: number;
  laughs: number;
  found: number;
  recall: number;
  /** Recall without the suspect clips. */
  foundClean: number;
  laughsClean: number;
  eventsPerFoundLaugh: number;
  /** |event start − recording start| and |event end − recording end|, ms, over found laughs. */
  onsetErrorMs: { median: number; p90: number };
  offsetErrorMs: { median: number; p90: number };
  falseLaughs: number;
  falseLaughsPerHour: number;
  falseByLabel: Record<string, number>;
}

const TOLERANCE_MS = 1000;

/** Lays out the day (order, gaps, gains) from the seed; the audio is made by {@link writeDayOpus}. */
export function planDay(
  recordings: readonly PoolRecording[],
  durationsMs: ReadonlyMap<PoolRecording, number>,
  seed: number,
): { placements: Placement[]; gapsMs: number[]; gainsDb: number[]; totalMs: number } {
  const random = seededRandom(seed);
  const order = recordings.map((r) => ({ r, key: random() })).sort((a, b) => a.key - b.key);
  const placements: Placement[] = [];
  const gapsMs: number[] = [];
  const gainsDb: number[] = [];
  let t = 0;
  for (const { r } of order) {
    const gap = Math.round(5000 + 15000 * random());
    gapsMs.push(gap);
    gainsDb.push(-10 * random());
    t += gap;
    const duration = durationsMs.get(r) ?? 0;
    placements.push({ recording: r, startMs: t, endMs: t + duration });
    t += duration;
  }
  const tail = 10_000;
  gapsMs.push(tail);
  return { placements, gapsMs, gainsDb, totalMs: t + tail };
}

/** Streams the planned day into `opusenc` at 24 kbit/s mono (test/bench/opus-encoder.ts). */
export async function writeDayOpus(
  plan: ReturnType<typeof planDay>,
  path: string,
  seed: number,
): Promise<void> {
  const totalSamples = Math.round((plan.totalMs * SAMPLE_RATE_HZ) / 1000);
  const encoder = spawnOpusEncoder(path, totalSamples);
  let written = 0;
  const emit = async (samples: Float32Array) => {
    await encoder.write(samples);
    written += samples.length;
  };
  let toneSeed = seed;
  for (const [k, p] of plan.placements.entries()) {
    const gapSamples = Math.round((p.startMs * SAMPLE_RATE_HZ) / 1000) - written;
    await emit(roomTone(gapSamples, -55, toneSeed++));
    const audio = await decodeFile(p.recording.path);
    const gain = dbToGain(plan.gainsDb[k]);
    // Quiet room tone under the recording too, so the day has no digital silence.
    const bed = roomTone(audio.length, -55, toneSeed++);
    for (let i = 0; i < audio.length; i++) bed[i] += gain * audio[i];
    await emit(bed);
  }
  await emit(roomTone(totalSamples - written, -55, toneSeed));
  await encoder.end();
}

function quantiles(values: number[]): { median: number; p90: number } {
  if (values.length === 0) return { median: 0, p90: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { median: at(0.5), p90: at(0.9) };
}

/** Concatenates days (placements and events shifted by the days before), to score them as one. */
export function joinDays(
  days: readonly { plan: ReturnType<typeof planDay>; events: readonly LaughterEvent[] }[],
): { plan: ReturnType<typeof planDay>; events: LaughterEvent[] } {
  const placements: Placement[] = [];
  const events: LaughterEvent[] = [];
  let t = 0;
  for (const day of days) {
    for (const p of day.plan.placements)
      placements.push({ ...p, startMs: p.startMs + t, endMs: p.endMs + t });
    for (const e of day.events) events.push({ ...e, startMs: e.startMs + t, endMs: e.endMs + t });
    t += day.plan.totalMs;
  }
  return { plan: { placements, gapsMs: [], gainsDb: [], totalMs: t }, events };
}

/** Scores a day's events against its placements. */
export function dayFigures(events: readonly LaughterEvent[], plan: ReturnType<typeof planDay>): DayFigures {
  const overlaps = (e: LaughterEvent, p: Placement) =>
    e.startMs < p.endMs + TOLERANCE_MS && e.endMs > p.startMs - TOLERANCE_MS;
  const laughs = plan.placements.filter((p) => p.recording.isLaughter);
  let found = 0;
  let foundClean = 0;
  let eventsOnFound = 0;
  const onset: number[] = [];
  const offset: number[] = [];
  for (const p of laughs) {
    const mine = events.filter((e) => overlaps(e, p));
    if (mine.length === 0) continue;
    found++;
    if (!p.recording.suspect) foundClean++;
    eventsOnFound += mine.length;
    onset.push(Math.abs(mine[0].startMs - p.startMs));
    offset.push(Math.abs(mine[mine.length - 1].endMs - p.endMs));
  }
  const falseByLabel: Record<string, number> = {};
  let falseLaughs = 0;
  for (const e of events) {
    if (laughs.some((p) => overlaps(e, p))) continue;
    falseLaughs++;
    const where = plan.placements.find((p) => overlaps(e, p));
    const label = where ? where.recording.label : "room tone";
    falseByLabel[label] = (falseByLabel[label] ?? 0) + 1;
  }
  const hours = plan.totalMs / 3_600_000;
  return {
    hours,
    laughs: laughs.length,
    found,
    recall: laughs.length === 0 ? 0 : found / laughs.length,
    laughsClean: laughs.filter((p) => !p.recording.suspect).length,
    foundClean,
    eventsPerFoundLaugh: found === 0 ? 0 : eventsOnFound / found,
    onsetErrorMs: quantiles(onset),
    offsetErrorMs: quantiles(offset),
    falseLaughs,
    falseLaughsPerHour: falseLaughs / hours,
    falseByLabel,
  };
}

/** One fold's day: how it was laid out, and the model's features of its audio. */
export interface PendantDay {
  plan: ReturnType<typeof planDay>;
  features: PatchFeatures;
}

/** The head detector's events on a day, from the head's probability per patch. */
export function headDayEvents(
  features: PatchFeatures,
  probabilities: Float32Array,
  parameters: HeadEventParameters,
): LaughterEvent[] {
  const scores = scoreRows(features);
  return detectEvents(scores, { detector: "head", ...parameters }, features.durationMs, probabilities);
}

/** Per-decision events of one fold's day. */
export function dayEvents(
  features: PatchFeatures,
  head: HeadModel,
  parameters: HeadEventParameters,
): Record<"head" | "today", LaughterEvent[]> {
  const scores = scoreRows(features);
  return {
    head: headDayEvents(features, headProbabilities(head, features), parameters),
    today: detectEvents(scores, RULE_EVENT_OPTIONS, features.durationMs),
  };
}

/** Makes (or reuses) one fold's day and returns its features. */
export async function embedDay(
  embedder: Embedder,
  plan: ReturnType<typeof planDay>,
  fold: number,
  seed: number,
): Promise<PatchFeatures> {
  const dir = join(MODEL_BUILD_DIR, "pendant-day");
  mkdirSync(dir, { recursive: true });
  const recipe = `pendant:v1:${seed}:${plan.placements.map((p) => `${p.recording.sha256}@${p.startMs}`).join(",")}`;
  return embedder.embed(recipe, async () => {
    const path = join(dir, `fold-${fold}.opus`);
    if (!existsSync(path)) await writeDayOpus(plan, path, seed);
    return decodeTo16kMono(createReadStream(path));
  });
}
