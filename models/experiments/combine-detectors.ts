/**
 * @module
 * Experiment (issue 18, round 3; never feeds the shipped model): combine the trained head's evidence with
 * YAMNet's own laughter classes (the rule detector's score, max of classes 13–18). Their false laughs come
 * from different sounds (the rule detector: babble, crying babies, coughs, animals; the head: a few talk
 * and ambient patches), so requiring both might buy recall back at the same everyday bars.
 *
 * Variants (each a family of rules; the rule is chosen by the shipped criterion on out-of-fold output, and
 * each fold is judged by the rule chosen on the other folds, exactly like recall-levers.ts):
 * - `head`: the shipped rule grid on the head's probability (reproduces the shipped held-out row).
 * - `and-every`: a patch counts only when head ≥ its threshold AND YAMNet's laughter score ≥ y (every patch).
 * - `and-onset`: only the patch that starts (or re-starts, across a merge gap) an event needs YAMNet ≥ y;
 *   the event continues on the head alone.
 * - `verify-max` / `verify-mean`: the rule detector's events (a grid of its onset and minimum length), kept
 *   when the head's max (or mean) probability inside the event is at least h.
 * - `or`: the head's own events plus the rule detector's events (stricter onset) that the head supports.
 * - `confuser-veto`: and-every where YAMNet's crying/cough/breath classes must not exceed r × its laughter.
 * - `stage2` (`--stage2`): the rule detector's candidate events scored by a logistic regression on event
 *   features (max/mean head logit, max/mean YAMNet laughter, mean YAMNet speech, log duration), trained per
 *   fold on that fold's training part only; the threshold is chosen like any rule.
 * Each family also alone per gate, and together with the head's own grid (`head ∪ …`).
 *
 * `--talk-day-limit N` also holds the chosen rule to N false laughs per hour on the other folds' talk days;
 * `--confusers-in-talk` trains the fold heads with every confuser clip mixed into talk as a negative too.
 * Reuses `npm run train`'s cache (run it first); the shipped recipe's fold heads are trained once per run.
 * Figures and what they mean: models/head/METRICS.md, "History: issue 18 round 3".
 *
 * node bin/run-ts.mjs models/experiments/combine-detectors.ts [--stage2] [--talk-day-limit 2]
 *   [--confusers-in-talk] [--breakdown head,and-every] > .tmp/combine.md
 */
import { parseArgs } from "node:util";
import {
  excessFalseLaughs,
  type HeadEventParameters,
  isPoolClip,
  type Metrics,
  metricsOf,
  type RuleFigures,
} from "../src/head/cross-validate.ts";
import { scoreRows } from "../src/head/embedder.ts";
import { DEFAULT_LOGISTIC_OPTIONS, sigmoid } from "../src/head/logistic-regression.ts";
import { headLogit, trainMilHead } from "../src/head/mil-head.ts";
import { type DayFigures, type DayPlan, dayFigures, joinDays } from "../src/head/talk-day.ts";
import { evaluatedRecording, foldTalkDay, TRAINING_GRID } from "../src/head/train.ts";
import { FOLD_COUNT } from "../src/head/training-items.ts";
import {
  andEveryRules,
  andOnsetRules,
  confuserVetoRules,
  type Evaluated,
  headDetect,
  headRules,
  orRules,
  RULE_GRID,
  type Rule,
  ruleName,
  type Signal,
  signalOf,
  stageTwoRules,
  verifyRules,
  YAMNET_GATES,
} from "./detector-combinations.ts";
import { confusersInTalk, experimentItems } from "./experiment-items.ts";

const SHIPPED = TRAINING_GRID[TRAINING_GRID.length - 1];

/** Event counts of every rule on every recording (computed once; selections sum them). */
function countMatrix(rules: readonly Rule[], recordings: readonly Evaluated[]): Int32Array[] {
  return rules.map((rule) => Int32Array.from(recordings, (r) => rule.events(r.signal, r.fold).length));
}

function figuresOf(
  counts: Int32Array,
  recordings: readonly Evaluated[],
  keep: (r: Evaluated) => boolean,
): RuleFigures {
  const labels: boolean[] = [];
  const predicted: boolean[] = [];
  const stream = { speech: { hours: 0, falseLaughs: 0 }, ambient: { hours: 0, falseLaughs: 0 } };
  recordings.forEach((r, k) => {
    if (!keep(r)) return;
    if (r.stream !== undefined) {
      stream[r.stream].hours += r.durationMs / 3_600_000;
      stream[r.stream].falseLaughs += counts[k];
    } else if (isPoolClip(r)) {
      labels.push(r.isLaughter);
      predicted.push(counts[k] > 0);
    }
  });
  const perHour = (x: { hours: number; falseLaughs: number }) => ({
    ...x,
    perHour: x.hours === 0 ? 0 : x.falseLaughs / x.hours,
  });
  return {
    clips: metricsOf(labels, predicted),
    speech: perHour(stream.speech),
    ambient: perHour(stream.ambient),
  };
}

/**
 * Optional extra constraint of the selection: at most `limitPerHour` false laughs per hour on the talk days
 * of the folds the rule is chosen on (`falseLaughs[rule][fold]`, each day scored by its out-of-fold head).
 */
interface DayConstraint {
  limitPerHour: number;
  falseLaughs: Int32Array[];
  hours: readonly number[];
}

/** The shipped criterion (cross-validate.ts's pickHeadParameters), over any rule family. */
function pick(
  rules: readonly Rule[],
  matrix: readonly Int32Array[],
  recordings: readonly Evaluated[],
  keep: (r: Evaluated) => boolean,
  folds: readonly number[],
  dayConstraint?: DayConstraint,
): { index: number; figures: RuleFigures } {
  const dayExcess = (k: number) => {
    if (dayConstraint === undefined) return 0;
    let n = 0;
    let hours = 0;
    for (const fold of folds) {
      n += dayConstraint.falseLaughs[k][fold];
      hours += dayConstraint.hours[fold];
    }
    return Math.max(0, n / hours - dayConstraint.limitPerHour);
  };
  let best: { index: number; figures: RuleFigures; excess: number } | undefined;
  for (let k = 0; k < rules.length; k++) {
    const f = figuresOf(matrix[k], recordings, keep);
    const excess = excessFalseLaughs(f) + dayExcess(k);
    if (best === undefined) {
      best = { index: k, figures: f, excess };
      continue;
    }
    const g = best.figures;
    let order =
      best.excess - excess ||
      f.clips.f1 - g.clips.f1 ||
      g.speech.falseLaughs + g.ambient.falseLaughs - f.speech.falseLaughs - f.ambient.falseLaughs ||
      g.clips.fp - f.clips.fp;
    const a = rules[k].tiebreak;
    const b = rules[best.index].tiebreak;
    for (let j = 0; order === 0 && j < Math.min(a.length, b.length); j++) order = a[j] - b[j];
    if (order > 0) best = { index: k, figures: f, excess };
  }
  if (best === undefined) throw new Error("pick: no rules");
  return best;
}

interface Day {
  plan: DayPlan;
  signal: Signal;
}

interface HeldOut {
  clips: Metrics;
  speechFalse: number;
  speechHours: number;
  ambientFalse: number;
  ambientHours: number;
  day: DayFigures;
  oofF1: number;
  rules: string[];
  chosenIndex: number[];
  decisions: Map<Evaluated, number>;
}

function heldOut(
  rules: readonly Rule[],
  matrix: readonly Int32Array[],
  recordings: readonly Evaluated[],
  days: readonly Day[],
  dayConstraint?: DayConstraint,
): HeldOut {
  const folds = Array.from({ length: FOLD_COUNT }, (_, fold) => fold);
  const chosenIndex = folds.map(
    (fold) =>
      pick(
        rules,
        matrix,
        recordings,
        (r) => r.fold !== fold,
        folds.filter((f) => f !== fold),
        dayConstraint,
      ).index,
  );
  const all = pick(rules, matrix, recordings, () => true, folds, dayConstraint);
  const decisions = new Map<Evaluated, number>();
  recordings.forEach((r, k) => {
    decisions.set(r, matrix[chosenIndex[r.fold]][k]);
  });
  const clips = recordings.filter(isPoolClip);
  let speechFalse = 0;
  let speechHours = 0;
  let ambientFalse = 0;
  let ambientHours = 0;
  for (const r of recordings) {
    if (r.stream === "speech") {
      speechFalse += decisions.get(r) ?? 0;
      speechHours += r.durationMs / 3_600_000;
    } else if (r.stream === "ambient") {
      ambientFalse += decisions.get(r) ?? 0;
      ambientHours += r.durationMs / 3_600_000;
    }
  }
  const joined = joinDays(
    days.map((d, fold) => ({ plan: d.plan, events: rules[chosenIndex[fold]].events(d.signal, fold) })),
  );
  return {
    clips: metricsOf(
      clips.map((r) => r.isLaughter),
      clips.map((r) => (decisions.get(r) ?? 0) > 0),
    ),
    speechFalse,
    speechHours,
    ambientFalse,
    ambientHours,
    day: dayFigures(joined.events, joined.plan),
    oofF1: all.figures.clips.f1,
    rules: chosenIndex.map((k) => rules[k].label),
    chosenIndex,
    decisions,
  };
}

function row(name: string, h: HeldOut): string {
  const c = h.clips;
  return `| ${name} | ${c.precision.toFixed(3)} / ${c.recall.toFixed(3)} / ${c.f1.toFixed(3)} (TP ${c.tp}, FP ${c.fp}) | ${(h.speechFalse / h.speechHours).toFixed(2)} (${h.speechFalse}) | ${(h.ambientFalse / h.ambientHours).toFixed(2)} (${h.ambientFalse}) | ${h.day.recall.toFixed(3)} (${h.day.found}/${h.day.laughs}) at ${h.day.falseLaughsPerHour.toFixed(2)} (${h.day.falseLaughs}) | ${h.oofF1.toFixed(3)} |`;
}

function breakdown(name: string, h: HeldOut, recordings: readonly Evaluated[]): string {
  const out = [`## Per source: ${name}`, "", "Fold rules:", ""];
  h.rules.forEach((label, fold) => {
    out.push(`- fold ${fold}: ${label}`);
  });
  out.push("", "| part | TP | FP | FN | TN | P | R | F1 |", "|---|---|---|---|---|---|---|---|");
  const part = (label: string, filter: (r: Evaluated) => boolean) => {
    const subset = recordings.filter((r) => r.stream === undefined && filter(r));
    const m = metricsOf(
      subset.map((r) => r.isLaughter),
      subset.map((r) => (h.decisions.get(r) ?? 0) > 0),
    );
    out.push(
      `| ${label} | ${m.tp} | ${m.fp} | ${m.fn} | ${m.tn} | ${m.precision.toFixed(3)} | ${m.recall.toFixed(3)} | ${m.f1.toFixed(3)} |`,
    );
  };
  part("train + dev", isPoolClip);
  part("train + dev without suspect clips", (r) => isPoolClip(r) && !r.suspect);
  part("train", (r) => r.set === "train");
  part("dev", (r) => r.set === "dev");
  part("daylife laughter clips", (r) => r.set === "daylife");
  out.push("", "| stream | files | hours | false laughs |", "|---|---|---|---|");
  const streams = new Map<string, { files: number; hours: number; n: number }>();
  for (const r of recordings) {
    if (r.stream === undefined) continue;
    const key = `${r.stream}: ${r.label}`;
    const s = streams.get(key) ?? { files: 0, hours: 0, n: 0 };
    s.files++;
    s.hours += r.durationMs / 3_600_000;
    s.n += h.decisions.get(r) ?? 0;
    streams.set(key, s);
  }
  for (const [key, s] of [...streams].sort())
    out.push(`| ${key} | ${s.files} | ${s.hours.toFixed(2)} | ${s.n} |`);
  const fps: Record<string, number> = {};
  for (const r of recordings)
    if (isPoolClip(r) && !r.isLaughter && (h.decisions.get(r) ?? 0) > 0)
      fps[r.label] = (fps[r.label] ?? 0) + 1;
  out.push(
    "",
    `Clip false positives by label: ${JSON.stringify(fps)}`,
    `Talk day: recall ${h.day.recall.toFixed(3)} (${h.day.found}/${h.day.laughs}; without suspect clips ${h.day.foundClean}/${h.day.laughsClean}), ${h.day.falseLaughs} false laughs in ${h.day.hours.toFixed(2)} h: ${JSON.stringify(h.day.falseByLabel)}`,
  );
  return out.join("\n");
}

/**
 * Where the YAMNet gate removes false laughs: one fixed head rule (the and-every variants' choice) with
 * growing gates, on all out-of-fold output (every fold, no selection): which false laughs the two
 * detectors share.
 */
function overlap(recordings: readonly Evaluated[], days: readonly Day[]): string {
  const p: HeadEventParameters = {
    onsetThreshold: 0.95,
    offsetThreshold: 0.95,
    minDurationMs: 1440,
    mergeGapMs: 0,
  };
  const out = [
    `## Fixed head rule ${ruleName(p)} with a YAMNet gate on every patch (all out-of-fold output, no selection)`,
    "",
    "| YAMNet laughter ≥ | clips TP / FP | speech false laughs | ambient false laughs | talk day found / false laughs | talk-day false laughs by label |",
    "|---|---|---|---|---|---|",
  ];
  for (const y of [0, 0.01, 0.02, 0.05, 0.1, 0.2]) {
    const events = (s: Signal) =>
      headDetect(
        s,
        p,
        Float64Array.from(s.head, (v, i) => (s.yamnet[i] >= y ? v : 0)),
      );
    const counts = Int32Array.from(recordings, (r) => events(r.signal).length);
    const f = figuresOf(counts, recordings, () => true);
    const joined = joinDays(days.map((d) => ({ plan: d.plan, events: events(d.signal) })));
    const day = dayFigures(joined.events, joined.plan);
    out.push(
      `| ${y} | ${f.clips.tp} / ${f.clips.fp} | ${f.speech.falseLaughs} | ${f.ambient.falseLaughs} | ${day.found} / ${day.falseLaughs} | ${JSON.stringify(day.falseByLabel)} |`,
    );
  }
  return out.join("\n");
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      breakdown: { type: "string", default: "" },
      stage2: { type: "boolean", default: false },
      // Train the fold heads with confuser clips mixed into talk as negatives as well (experiment-items.ts).
      "confusers-in-talk": { type: "boolean", default: false },
      // Also keep the other folds' talk days at most this many false laughs per hour when choosing.
      "talk-day-limit": { type: "string", default: "" },
    },
  });
  const log = (m: string) => console.error(`[combine] ${m}`);
  const { items, embedder } = await experimentItems(log);
  const trainable = items.filter((item) => !item.suspect);
  if (values["confusers-in-talk"]) trainable.push(...(await confusersInTalk(items, embedder, log)));
  let started = performance.now();
  const heads = Array.from({ length: FOLD_COUNT }, (_, fold) =>
    trainMilHead(
      trainable.filter((item) => item.fold !== fold),
      { ...DEFAULT_LOGISTIC_OPTIONS, l2: SHIPPED.l2 },
      SHIPPED.mil,
    ),
  );
  log(`fold heads trained in ${Math.round(performance.now() - started)} ms`);
  const logitsOf = (fold: number, features: Parameters<typeof headLogit>[1]) =>
    Float64Array.from({ length: features.patchCount }, (_, i) => headLogit(heads[fold], features, i));
  const recordings: Evaluated[] = items
    .filter((item) => item.original)
    .map((item) => {
      const logit = logitsOf(item.fold, item.features);
      const base = evaluatedRecording(item, Float32Array.from(logit, sigmoid));
      return { ...base, signal: signalOf(base.scores, base.durationMs, logit) };
    });
  const days: Day[] = [];
  for (let fold = 0; fold < FOLD_COUNT; fold++) {
    const { plan, features } = await foldTalkDay(items, fold, embedder);
    days.push({ plan, signal: signalOf(scoreRows(features), features.durationMs, logitsOf(fold, features)) });
  }
  await embedder.dispose();

  const families: Record<string, Rule[]> = {
    head: headRules(),
    "and-every": andEveryRules(YAMNET_GATES),
    "and-onset": andOnsetRules(YAMNET_GATES),
    "verify-max": verifyRules("max"),
    "verify-mean": verifyRules("mean"),
    or: orRules(),
    "confuser-veto": confuserVetoRules(),
  };
  if (values.stage2) {
    for (const g of RULE_GRID.filter((x) => x.mergeGapMs === 960 && x.minDurationMs === 960))
      families[`stage2 rule onset ${g.onset}`] = stageTwoRules(recordings, g);
  }
  const matrices: Record<string, Int32Array[]> = {};
  for (const [name, rules] of Object.entries(families)) {
    started = performance.now();
    matrices[name] = countMatrix(rules, recordings);
    log(`${name}: ${rules.length} rules counted in ${Math.round(performance.now() - started)} ms`);
  }
  // Variants: each family alone, each gate alone, and the head grid together with each family (so that
  // the CV may also keep the head's own rule).
  const variants: Record<string, { rules: Rule[]; matrix: Int32Array[] }> = {};
  for (const name of Object.keys(families))
    variants[name] = { rules: families[name], matrix: matrices[name] };
  for (const name of ["and-every", "and-onset"]) {
    for (const y of YAMNET_GATES) {
      const keep = families[name]
        .map((rule, k) => ({ rule, k }))
        .filter((x) => x.rule.label.includes(`y ${y},`));
      variants[`${name} y ${y}`] = {
        rules: keep.map((x) => x.rule),
        matrix: keep.map((x) => matrices[name][x.k]),
      };
    }
  }
  for (const name of Object.keys(families).filter((n) => n !== "head"))
    variants[`head ∪ ${name}`] = {
      rules: [...families.head, ...families[name]],
      matrix: [...matrices.head, ...matrices[name]],
    };

  console.log(
    "| variant | clips P / R / F1 | speech /h | ambient /h | talk day recall at false /h | OOF F1 |",
  );
  console.log("|---|---|---|---|---|---|");
  const dayLimit = Number(values["talk-day-limit"]);
  const dayHours = days.map((d) => d.plan.totalMs / 3_600_000);
  const dayCounts = (rules: readonly Rule[]): Int32Array[] =>
    rules.map((rule) =>
      Int32Array.from(days, (d, fold) => dayFigures(rule.events(d.signal, fold), d.plan).falseLaughs),
    );
  const results = new Map<string, HeldOut>();
  for (const [name, v] of Object.entries(variants)) {
    const constraint =
      values["talk-day-limit"] === ""
        ? undefined
        : { limitPerHour: dayLimit, falseLaughs: dayCounts(v.rules), hours: dayHours };
    const h = heldOut(v.rules, v.matrix, recordings, days, constraint);
    results.set(name, h);
    console.log(row(name, h));
  }
  console.log("");
  for (const [name, h] of results) console.log(`- ${name}: ${h.rules.join("; ")}`);
  console.log(`\n${overlap(recordings, days)}`);
  for (const name of values.breakdown.split(",").filter((n) => n !== "")) {
    const h = results.get(name);
    if (h === undefined) throw new Error(`--breakdown: unknown variant ${name}`);
    console.log(`\n${breakdown(name, h, recordings)}`);
  }
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
