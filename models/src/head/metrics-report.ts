/**
 * @module
 * What `npm run train` reports (metrics.json) and the tables of cv-report.md / METRICS.md. Every figure is
 * held out: a fold's recordings judged by the head trained without them, with the event rule chosen
 * without them.
 */
import type { HeadEventParameters, Metrics, RuleFigures } from "./cross-validate.ts";
import type { DayFigures } from "./talk-day.ts";

export const DECISIONS = ["head", "old rule", "rule detector"] as const;
export type DecisionName = (typeof DECISIONS)[number];
export type TalkDayDecision = "head" | "head before issue 18" | "rule detector";

/** Everything METRICS.md reports. */
export interface TrainingReport {
  /** The recipe shipped, and every recipe's out-of-fold figures with the rule chosen on all folds. */
  recipe: string;
  search: { name: string; chosen: HeadEventParameters; figures: RuleFigures }[];
  /** The rule chosen on all out-of-fold output (on the raw probability). */
  chosen: HeadEventParameters;
  /** The shipped recipe's best clip F1 at other everyday limits (out-of-fold, selection figures). */
  tradeOff: { limitPerHour: number; chosen?: HeadEventParameters; figures?: RuleFigures }[];
  calibration: {
    scale: number;
    shift: number;
    rawOnsetThreshold: number;
    events: number;
    reliability: { from: number; to: number; events: number; laughs: number }[];
  };
  /** The shipped rule on the calibrated probability. */
  shippedEvents: HeadEventParameters;
  perFold: { fold: number; chosen: HeadEventParameters; figures: RuleFigures }[];
  /** Clip level, held out. */
  parts: Record<string, Record<DecisionName, Metrics>>;
  /** Daylife streams, held out: files, hours, false laughs per decision. */
  streams: Record<string, { files: number; hours: number; head: number; "rule detector": number }>;
  falsePositivesByLabel: Record<string, Record<string, number>>;
  negativesByLabel: Record<string, number>;
  headFalsePositives: string[];
  headFalseNegatives: string[];
  talkDay: Record<TalkDayDecision, DayFigures>;
  /** The head before issue 18 (its recipe, its fixed rule), judged on the same held-out folds. */
  previous: { rule: HeadEventParameters; perFold: RuleFigures[] };
}

const f3 = (x: number): string => x.toFixed(3);
const f2 = (x: number): string => x.toFixed(2);
const rule = (p: HeadEventParameters): string =>
  `onset ${p.onsetThreshold} / offset ${Number(p.offsetThreshold.toPrecision(4))} / min ${p.minDurationMs} / gap ${p.mergeGapMs}`;
const perHour = (n: number, hours: number): string => (hours === 0 ? "–" : f2(n / hours));

/** Pooled held-out figures of the per-fold rules. */
export function pooledHeldOut(perFold: readonly RuleFigures[]): {
  clips: Metrics;
  speech: { hours: number; falseLaughs: number };
  ambient: { hours: number; falseLaughs: number };
} {
  const sum = (kind: "speech" | "ambient") =>
    perFold.reduce(
      (acc, f) => ({
        hours: acc.hours + f[kind].hours,
        falseLaughs: acc.falseLaughs + f[kind].falseLaughs,
      }),
      { hours: 0, falseLaughs: 0 },
    );
  const counts = perFold.reduce(
    (acc, f) => ({
      tp: acc.tp + f.clips.tp,
      fp: acc.fp + f.clips.fp,
      fn: acc.fn + f.clips.fn,
      tn: acc.tn + f.clips.tn,
    }),
    { tp: 0, fp: 0, fn: 0, tn: 0 },
  );
  const precision = counts.tp + counts.fp === 0 ? 0 : counts.tp / (counts.tp + counts.fp);
  const recall = counts.tp + counts.fn === 0 ? 0 : counts.tp / (counts.tp + counts.fn);
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { clips: { ...counts, precision, recall, f1 }, speech: sum("speech"), ambient: sum("ambient") };
}

/** cv-report.md's tables. */
export function formatReport(report: TrainingReport): string {
  const lines: string[] = [];
  const c = report.calibration;
  const pooled = pooledHeldOut(report.perFold.map((f) => f.figures));
  const was = pooledHeldOut(report.previous.perFold);
  const clips = pooled.clips;
  const day = report.talkDay.head;
  const dayWas = report.talkDay["head before issue 18"];
  const clipCell = (m: Metrics) =>
    `${f3(m.precision)} / ${f3(m.recall)} / ${f3(m.f1)} (TP ${m.tp}, FP ${m.fp}, FN ${m.fn})`;
  const streamCell = (s: { falseLaughs: number; hours: number }) =>
    `${perHour(s.falseLaughs, s.hours)} (${s.falseLaughs} in ${f2(s.hours)} h)`;
  const dayCell = (d: DayFigures) =>
    `${f3(d.recall)} (${d.found}/${d.laughs}) / ${f2(d.falseLaughsPerHour)} (${d.falseLaughs} in ${f2(d.hours)} h)`;
  lines.push(
    `Shipped recipe: **${report.recipe}**; rule (raw probability, chosen on all out-of-fold output): ${rule(report.chosen)}. ` +
      `Calibrated (p' = σ(${f3(c.scale)} · logit p + ${f3(c.shift)}), fitted on ${c.events} held-out talk-day events): ${rule(report.shippedEvents)}.`,
    "",
    "Held out (each fold judged by the head trained without it, with the rule chosen without it):",
    "",
    `| measure | head | head before issue 18 (${rule(report.previous.rule)}) | bar |`,
    "|---|---|---|---|",
    `| train + dev clips: P / R / F1 | ${clipCell(clips)} | ${clipCell(was.clips)} | F1 ≥ 0.85 with P ≥ 0.90 |`,
    `| daylife speech: false laughs per hour | ${streamCell(pooled.speech)} | ${streamCell(was.speech)} | ≤ 1 |`,
    `| daylife ambient: false laughs per hour | ${streamCell(pooled.ambient)} | ${streamCell(was.ambient)} | ≤ 1 |`,
    `| talk day: recall / false laughs per hour | ${dayCell(day)} | ${dayCell(dayWas)} | ≥ 0.85 at ≤ 2 |`,
    "",
    "Recipes (grouped CV, each with the rule chosen on its own out-of-fold output; the selection figures, not held-out ones):",
    "",
    "| recipe | rule | clip P / R / F1 | speech false laughs / h | ambient false laughs / h |",
    "|---|---|---|---|---|",
  );
  const ruleRow = (label: string, chosen: HeadEventParameters, f: RuleFigures): string =>
    `| ${label} | ${rule(chosen)} | ${f3(f.clips.precision)} / ${f3(f.clips.recall)} / ${f3(f.clips.f1)} | ${f2(f.speech.perHour)} | ${f2(f.ambient.perHour)} |`;
  for (const s of report.search) lines.push(ruleRow(s.name, s.chosen, s.figures));
  lines.push(
    "",
    "What another everyday bar would cost (shipped recipe, out-of-fold, the best clip F1 with at most that many false laughs per hour of speech and of ambient):",
    "",
    "| at most, per hour | rule | clip P / R / F1 | speech / h | ambient / h |",
    "|---|---|---|---|---|",
  );
  for (const t of report.tradeOff) {
    const f = t.figures;
    const limit = Number.isFinite(t.limitPerHour) ? String(t.limitPerHour) : "no limit";
    lines.push(f && t.chosen ? ruleRow(limit, t.chosen, f) : `| ${limit} | none | – | – | – |`);
  }
  lines.push(
    "",
    "| fold | rule (chosen on the other folds, raw probability) | clip P / R / F1 | speech false laughs (h) | ambient false laughs (h) |",
    "|---|---|---|---|---|",
  );
  for (const f of report.perFold) {
    const x = f.figures;
    lines.push(
      `| ${f.fold} | ${rule(f.chosen)} | ${f3(x.clips.precision)} / ${f3(x.clips.recall)} / ${f3(x.clips.f1)} | ${x.speech.falseLaughs} (${f2(x.speech.hours)}) | ${x.ambient.falseLaughs} (${f2(x.ambient.hours)}) |`,
    );
  }
  lines.push(
    "",
    "Clip level, held out, per source:",
    "",
    "| part | decision | TP | FP | FN | TN | P | R | F1 |",
    "|---|---|---|---|---|---|---|---|---|",
  );
  for (const [part, byDecision] of Object.entries(report.parts)) {
    for (const [d, m] of Object.entries(byDecision)) {
      lines.push(
        `| ${part} | ${d} | ${m.tp} | ${m.fp} | ${m.fn} | ${m.tn} | ${f3(m.precision)} | ${f3(m.recall)} | ${f3(m.f1)} |`,
      );
    }
  }
  lines.push(
    "",
    "Daylife streams, whole files, held out (false laughs and per hour):",
    "",
    "| source | files | hours | head | per hour | rule detector | per hour |",
    "|---|---|---|---|---|---|---|",
  );
  for (const [source, s] of Object.entries(report.streams).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    lines.push(
      `| ${source} | ${s.files} | ${f2(s.hours)} | ${s.head} | ${perHour(s.head, s.hours)} | ${s["rule detector"]} | ${perHour(s["rule detector"], s.hours)} |`,
    );
  }
  lines.push(
    "",
    "Talk days (each fold's daylife speech and ambient with its held-out clips placed over them at 0–12 dB, Ogg Opus 24 kbit/s):",
    "",
    "| decision | hours (speech / ambient) | laughs found | recall | recall without suspect | events per found laugh | onset error median / p90 | offset error median / p90 | false laughs | per hour | false laughs by label |",
    "|---|---|---|---|---|---|---|---|---|---|---|",
  );
  for (const [d, f] of Object.entries(report.talkDay)) {
    const byLabel = Object.entries(f.falseByLabel)
      .sort(([, a], [, b]) => b - a)
      .map(([l, n]) => `${l} ${n}`)
      .join(", ");
    lines.push(
      `| ${d} | ${f2(f.hours)} (${f2(f.speechHours)} / ${f2(f.ambientHours)}) | ${f.found}/${f.laughs} | ${f3(f.recall)} | ${f3(f.laughsClean === 0 ? 0 : f.foundClean / f.laughsClean)} (${f.foundClean}/${f.laughsClean}) | ${f2(f.eventsPerFoundLaugh)} | ${f2(f.onsetErrorMs.median / 1000)} s / ${f2(f.onsetErrorMs.p90 / 1000)} s | ${f2(f.offsetErrorMs.median / 1000)} s / ${f2(f.offsetErrorMs.p90 / 1000)} s | ${f.falseLaughs} | ${f2(f.falseLaughsPerHour)} | ${byLabel || "–"} |`,
    );
  }
  lines.push(
    "",
    `Calibration: held-out talk-day events above raw ${0.5} by calibrated peak (how often such an event was a laugh):`,
    "",
    "| calibrated peak | events | laughs | share |",
    "|---|---|---|---|",
  );
  for (const b of c.reliability) {
    lines.push(
      `| ${b.from.toFixed(1)}–${b.to.toFixed(1)} | ${b.events} | ${b.laughs} | ${b.events === 0 ? "–" : f2(b.laughs / b.events)} |`,
    );
  }
  const labels = Object.keys(report.negativesByLabel).sort();
  lines.push(
    "",
    "False positives per negative label (clips, held out):",
    "",
    "| label | negatives | head | old rule | rule detector |",
    "|---|---|---|---|---|",
  );
  for (const label of labels) {
    const fp = (d: string) => report.falsePositivesByLabel[d]?.[label] ?? 0;
    lines.push(
      `| ${label} | ${report.negativesByLabel[label]} | ${fp("head")} | ${fp("old rule")} | ${fp("rule detector")} |`,
    );
  }
  lines.push(
    "",
    `Head false positives: ${report.headFalsePositives.join(", ") || "–"}`,
    "",
    `Head false negatives: ${report.headFalseNegatives.join(", ") || "–"}`,
  );
  return lines.join("\n");
}

const REPORT_START = "<!-- npm run train: start -->";
const REPORT_END = "<!-- npm run train: end -->";

/**
 * METRICS.md with its generated part (between the two markers) replaced by `report`; the prose around it is
 * kept. Throws, naming the markers, when they are missing.
 *
 * @example writeFileSync(path, withGeneratedReport(readFileSync(path, "utf8"), formatReport(report)));
 */
export function withGeneratedReport(metricsMarkdown: string, report: string): string {
  const start = metricsMarkdown.indexOf(REPORT_START);
  const end = metricsMarkdown.indexOf(REPORT_END);
  if (start < 0 || end < start)
    throw new Error(
      `METRICS.md needs the markers "${REPORT_START}" and "${REPORT_END}" around its generated part`,
    );
  return `${metricsMarkdown.slice(0, start + REPORT_START.length)}\n${report}\n${metricsMarkdown.slice(end)}`;
}
