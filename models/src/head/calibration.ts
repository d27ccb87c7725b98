/**
 * @module
 * Calibrates the head's probability (issue 18: every event used to peak at 0.95 or more, so a 0–1 filter
 * meant nothing). Platt scaling on held-out events: p' = σ(scale · logit(p) + shift), fitted so that an
 * event's peak p' is the share of events with that peak that were real laughs on the held-out talk days.
 * Since the head is σ(w·e + b), the calibrated head is σ(scale·w·e + scale·b + shift): the same graph with
 * other weights, and every event the same (the thresholds move with it).
 */
import { PATCH_HOP_MS, PATCH_WINDOW_MS } from "../../../shared/yamnet/constants.ts";
import { sigmoid } from "./logistic-regression.ts";

/** p' = σ(scale · logit(p) + shift). */
export interface Calibration {
  scale: number;
  shift: number;
}

/** logit(p), with p clamped to [1e-7, 1 − 1e-7]. */
export function logitOf(p: number): number {
  const q = Math.min(1 - 1e-7, Math.max(1e-7, p));
  return Math.log(q / (1 - q));
}

/** The calibrated probability of raw probability `p`. */
export function calibrated(c: Calibration, p: number): number {
  return sigmoid(c.scale * logitOf(p) + c.shift);
}

/** The calibrated probability of raw logit `z`. */
export function calibratedLogit(c: Calibration, z: number): number {
  return sigmoid(c.scale * z + c.shift);
}

/**
 * Fits σ(scale · z + shift) to 0/1 outcomes by Newton's method, with Platt's smoothed targets
 * ((positives + 1) / (positives + 2) and 1 / (negatives + 2)), deterministic.
 *
 * @example fitPlatt([2, 5, 9], [false, true, true]) // { scale: ~0.6, shift: ~-0.9 }
 */
export function fitPlatt(logits: readonly number[], outcomes: readonly boolean[]): Calibration {
  const positives = outcomes.filter(Boolean).length;
  const negatives = outcomes.length - positives;
  if (positives === 0 || negatives === 0)
    throw new Error(`fitPlatt: needs both outcomes (got ${positives} laughs, ${negatives} false laughs)`);
  const hi = (positives + 1) / (positives + 2);
  const lo = 1 / (negatives + 2);
  const targets = outcomes.map((o) => (o ? hi : lo));
  const loss = (a: number, b: number): number => {
    let sum = 0;
    for (const [k, z] of logits.entries()) {
      const u = a * z + b;
      // Cross-entropy with logits, stable: log(1 + e^u) − t·u.
      sum += Math.max(u, 0) + Math.log1p(Math.exp(-Math.abs(u))) - targets[k] * u;
    }
    return sum;
  };
  let a = 1;
  let b = 0;
  let current = loss(a, b);
  for (let iteration = 0; iteration < 100; iteration++) {
    let ga = 0;
    let gb = 0;
    let haa = 1e-9;
    let hab = 0;
    let hbb = 1e-9;
    for (const [k, z] of logits.entries()) {
      const p = sigmoid(a * z + b);
      const r = p - targets[k];
      const s = p * (1 - p);
      ga += r * z;
      gb += r;
      haa += s * z * z;
      hab += s * z;
      hbb += s;
    }
    const det = haa * hbb - hab * hab;
    if (!(det > 0)) break;
    const da = (hbb * ga - hab * gb) / det;
    const db = (haa * gb - hab * ga) / det;
    // Newton's step, halved until the loss falls (Platt 1999, Lin et al. 2007).
    let step = 1;
    while (step > 1e-6 && loss(a - step * da, b - step * db) > current) step /= 2;
    if (step <= 1e-6) break;
    a -= step * da;
    b -= step * db;
    current = loss(a, b);
    if (Math.abs(step * da) < 1e-10 && Math.abs(step * db) < 1e-10) break;
  }
  if (!(a > 0))
    throw new Error(`fitPlatt: scale ${a} is not positive; higher peaks were not more often laughs`);
  return { scale: a, shift: b };
}

/**
 * Each event's highest head logit (a saturated probability of 1 in float32 hides how sure the head was):
 * the patches from the event's start to its end, patch i covering [i·480, i·480 + 960) ms.
 */
export function eventPeakLogits(
  events: readonly { startMs: number; endMs: number }[],
  logits: ArrayLike<number>,
): number[] {
  return events.map((e) => {
    const first = Math.max(0, Math.floor(e.startMs / PATCH_HOP_MS));
    const last = Math.min(
      logits.length - 1,
      Math.max(first, Math.ceil((e.endMs - PATCH_WINDOW_MS) / PATCH_HOP_MS)),
    );
    let peak = Number.NEGATIVE_INFINITY;
    for (let i = first; i <= last; i++) peak = Math.max(peak, logits[i]);
    return peak;
  });
}
