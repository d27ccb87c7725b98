/**
 * @module
 * The talk day (issue 18): what a pendant hears, mostly talk. One per fold: that fold's daylife speech and
 * ambient files back to back (seeded order), with the fold's held-out clips (laughs and confusers: cries,
 * coughs, claps, …) placed over them (seeded positions, 0–12 dB above the talk under them), through Ogg
 * Opus at 24 kbit/s like the pendant, then embedded like any recording. A laugh is found when an event
 * overlaps it (±1 s); every other event is a false laugh, named after the clip or the background under it.
 */
import { createReadStream, existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { decodeTo16kMono } from "../../../inference-node/src/audio/decode-stream.ts";
import type { LaughterEvent } from "../../../inference-node/src/engine/types.ts";
import { SAMPLE_RATE_HZ } from "../../../shared/yamnet/constants.ts";
import { spawnOpusEncoder } from "../../../tooling/opus-encoder.ts";
import { seededRandom } from "../../../tooling/seeded-random.ts";
import { MODEL_BUILD_DIR } from "../model-paths.ts";
import { dbToGain, rms } from "./augment.ts";
import { decodeFile, type Embedder, type PatchFeatures } from "./embedder.ts";
import type { PoolRecording } from "./training-pool.ts";

/** One recording placed in the day. */
export interface Placement {
  recording: PoolRecording;
  startMs: number;
  endMs: number;
}

/** How a day is laid out: the talk under everything, the clips over it, and the clips' SNRs. */
export interface DayPlan {
  backgrounds: Placement[];
  placements: Placement[];
  snrsDb: number[];
  totalMs: number;
}

/** What one decision did on the day. */
export interface DayFigures {
  hours: number;
  /** Hours of speech and of ambient background. */
  speechHours: number;
  ambientHours: number;
  laughs: number;
  found: number;
  recall: number;
  /** Recall without the suspect clips. */
  foundClean: number;
  laughsClean: number;
  eventsPerFoundLaugh: number;
  /** |event start − laugh start| and |event end − laugh end|, ms, over found laughs. */
  onsetErrorMs: { median: number; p90: number };
  offsetErrorMs: { median: number; p90: number };
  falseLaughs: number;
  falseLaughsPerHour: number;
  /** False laughs on a confuser clip, by its label; elsewhere by the background's label. */
  falseByLabel: Record<string, number>;
}

const TOLERANCE_MS = 1000;
/** The clips' level over the talk under them, dB: a laugh across the table to one's own. */
const MIN_SNR_DB = 0;
const MAX_SNR_DB = 12;
/** Background RMS floor when the talk under a clip pauses (−50 dBFS). */
const QUIET_RMS = dbToGain(-50);

/** Lays out the day from the seed; {@link writeTalkDayOpus} makes its audio. */
export function planTalkDay(
  backgrounds: readonly PoolRecording[],
  clips: readonly PoolRecording[],
  durationsMs: ReadonlyMap<PoolRecording, number>,
  seed: number,
): DayPlan {
  const random = seededRandom(seed);
  const shuffled = <T>(list: readonly T[]): T[] =>
    list
      .map((item) => ({ item, key: random() }))
      .sort((a, b) => a.key - b.key)
      .map((e) => e.item);
  const duration = (r: PoolRecording): number => durationsMs.get(r) ?? 0;
  const under: Placement[] = [];
  let t = 0;
  for (const r of shuffled(backgrounds)) {
    under.push({ recording: r, startMs: t, endMs: t + duration(r) });
    t += duration(r);
  }
  const totalMs = t;
  const order = shuffled(clips);
  const slackMs = totalMs - order.reduce((sum, r) => sum + duration(r), 0);
  if (slackMs < 2000 * (order.length + 1))
    throw new Error(
      `planTalkDay: ${order.length} clips do not fit in ${Math.round(totalMs / 1000)} s of talk`,
    );
  const gapWeights = Array.from({ length: order.length + 1 }, () => 0.5 + random());
  const weightSum = gapWeights.reduce((a, b) => a + b, 0);
  const placements: Placement[] = [];
  const snrsDb: number[] = [];
  t = 0;
  for (const [k, r] of order.entries()) {
    t += Math.floor((slackMs * gapWeights[k]) / weightSum);
    placements.push({ recording: r, startMs: t, endMs: t + duration(r) });
    snrsDb.push(MIN_SNR_DB + (MAX_SNR_DB - MIN_SNR_DB) * random());
    t += duration(r);
  }
  return { backgrounds: under, placements, snrsDb, totalMs };
}

const toSamples = (ms: number): number => Math.round((ms * SAMPLE_RATE_HZ) / 1000);

/** Renders the planned day (talk, then each clip scaled to its SNR over the talk under it) into Ogg Opus. */
export async function writeTalkDayOpus(plan: DayPlan, path: string): Promise<void> {
  const day = new Float32Array(toSamples(plan.totalMs));
  for (const b of plan.backgrounds) {
    const audio = await decodeFile(b.recording.path);
    const at = toSamples(b.startMs);
    day.set(audio.subarray(0, Math.max(0, Math.min(audio.length, day.length - at))), at);
  }
  for (const [k, p] of plan.placements.entries()) {
    const audio = await decodeFile(p.recording.path);
    const at = toSamples(p.startMs);
    const span = day.subarray(at, Math.min(day.length, at + audio.length));
    const clipRms = rms(audio);
    const gain = clipRms === 0 ? 1 : (Math.max(rms(span), QUIET_RMS) * dbToGain(plan.snrsDb[k])) / clipRms;
    for (let i = 0; i < span.length; i++) span[i] += gain * audio[i];
  }
  const encoder = spawnOpusEncoder(path, day.length);
  const chunk = 10 * SAMPLE_RATE_HZ;
  for (let i = 0; i < day.length; i += chunk) await encoder.write(day.subarray(i, i + chunk));
  await encoder.end();
}

/** Makes (or reuses) one fold's talk day under models/build/talk-day/ and returns its features. */
export async function embedTalkDay(embedder: Embedder, plan: DayPlan, fold: number): Promise<PatchFeatures> {
  const dir = join(MODEL_BUILD_DIR, "talk-day");
  mkdirSync(dir, { recursive: true });
  const at = (list: Placement[]) => list.map((p) => `${p.recording.sha256}@${p.startMs}`).join(",");
  const recipe = `talk-day:v1:${at(plan.backgrounds)}|${at(plan.placements)}|${plan.snrsDb.map((s) => s.toFixed(3)).join(",")}`;
  return embedder.embed(recipe, async () => {
    const path = join(dir, `fold-${fold}.opus`);
    if (!existsSync(path)) await writeTalkDayOpus(plan, path);
    return decodeTo16kMono(createReadStream(path));
  });
}

function quantiles(values: number[]): { median: number; p90: number } {
  if (values.length === 0) return { median: 0, p90: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { median: at(0.5), p90: at(0.9) };
}

/** Concatenates days (everything shifted by the days before), to score them as one. */
export function joinDays(days: readonly { plan: DayPlan; events: readonly LaughterEvent[] }[]): {
  plan: DayPlan;
  events: LaughterEvent[];
} {
  const shift = (list: readonly Placement[], t: number) =>
    list.map((p) => ({ ...p, startMs: p.startMs + t, endMs: p.endMs + t }));
  const plan: DayPlan = { backgrounds: [], placements: [], snrsDb: [], totalMs: 0 };
  const events: LaughterEvent[] = [];
  for (const day of days) {
    const t = plan.totalMs;
    plan.backgrounds.push(...shift(day.plan.backgrounds, t));
    plan.placements.push(...shift(day.plan.placements, t));
    plan.snrsDb.push(...day.plan.snrsDb);
    for (const e of day.events) events.push({ ...e, startMs: e.startMs + t, endMs: e.endMs + t });
    plan.totalMs += day.plan.totalMs;
  }
  return { plan, events };
}

/** Scores a day's events against its placements. */
export function dayFigures(events: readonly LaughterEvent[], plan: DayPlan): DayFigures {
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
    const where =
      plan.placements.find((p) => overlaps(e, p)) ??
      plan.backgrounds.find((p) => e.startMs >= p.startMs && e.startMs < p.endMs);
    const label = where ? where.recording.label : "talk";
    falseByLabel[label] = (falseByLabel[label] ?? 0) + 1;
  }
  const hoursOf = (kind: "speech" | "ambient") =>
    plan.backgrounds
      .filter((b) => b.recording.stream === kind)
      .reduce((sum, b) => sum + (b.endMs - b.startMs) / 3_600_000, 0);
  const hours = plan.totalMs / 3_600_000;
  return {
    hours,
    speechHours: hoursOf("speech"),
    ambientHours: hoursOf("ambient"),
    laughs: laughs.length,
    found,
    recall: laughs.length === 0 ? 0 : found / laughs.length,
    laughsClean: laughs.filter((p) => !p.recording.suspect).length,
    foundClean,
    eventsPerFoundLaugh: found === 0 ? 0 : eventsOnFound / found,
    onsetErrorMs: quantiles(onset),
    offsetErrorMs: quantiles(offset),
    falseLaughs,
    falseLaughsPerHour: hours === 0 ? 0 : falseLaughs / hours,
    falseByLabel,
  };
}
