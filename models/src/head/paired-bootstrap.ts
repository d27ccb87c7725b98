/**
 * @module
 * How far apart two detectors' clip-level F1 really are on grouped data: a paired bootstrap that resamples
 * whole groups (a speaker, a source) with replacement, scores both detectors' decisions on each resample and
 * reports the spread of the difference. Seeded, so a report reproduces.
 */
import { seededRandom } from "../../../test/harness/seeded-random.ts";
import { metricsOf } from "./cross-validate.ts";

/** One recording's label, group and two decisions. */
export interface PairedDecision {
  group: string;
  isLaughter: boolean;
  a: boolean;
  b: boolean;
}

/** The 5th, 50th and 95th percentiles of F1(a) − F1(b) over the resamples. */
export interface DifferenceInterval {
  low: number;
  median: number;
  high: number;
}

/**
 * Paired group bootstrap of F1(a) − F1(b).
 *
 * @example pairedF1Difference(decisions, { resamples: 2000, seed: 1 }) // { low: -0.03, median: 0.005, high: 0.04 }
 */
export function pairedF1Difference(
  decisions: readonly PairedDecision[],
  options: { resamples: number; seed: number },
): DifferenceInterval {
  const byGroup = new Map<string, PairedDecision[]>();
  for (const d of decisions) {
    const list = byGroup.get(d.group) ?? [];
    list.push(d);
    byGroup.set(d.group, list);
  }
  const groups = [...byGroup.values()];
  if (groups.length === 0) throw new Error("pairedF1Difference: no decisions");
  const random = seededRandom(options.seed);
  const differences: number[] = [];
  for (let r = 0; r < options.resamples; r++) {
    const sample: PairedDecision[] = [];
    for (let g = 0; g < groups.length; g++) sample.push(...groups[Math.floor(random() * groups.length)]);
    const labels = sample.map((d) => d.isLaughter);
    const f1 = (pick: (d: PairedDecision) => boolean) => metricsOf(labels, sample.map(pick)).f1;
    differences.push(f1((d) => d.a) - f1((d) => d.b));
  }
  differences.sort((x, y) => x - y);
  const at = (q: number) => differences[Math.min(differences.length - 1, Math.floor(q * differences.length))];
  return { low: at(0.05), median: at(0.5), high: at(0.95) };
}
