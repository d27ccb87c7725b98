/**
 * @module
 * The seeded decoder fuzz (issue 10, the Bar): a few hundred malformed inputs (truncations at many
 * offsets, bit flips, absurd header fields, wrong containers, concatenations, fake headers) through the
 * real engine in a child process, which is restarted after any case that kills it. Prints the figures
 * and exits 1 when the bar is missed: 0 aborts, 0 hangs over 20 s, peak RSS under 400 MB, only documented
 * exit codes, no exit 0 that lost more than 10 % of the audio without saying so, and no damage-only case
 * (`ogg-eos`, `mp3-resync`: issue 19 item 7) called truncated.
 *
 * Usage: npm run test:faults   (node bin/run-ts.mjs test/faults/decoder-fuzz.ts [--seed N] [--cases N])
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { decodeTo16kMono } from "../../inference-node/src/audio/decode-stream.ts";
import {
  DAMAGE_ONLY_KINDS,
  type FuzzCase,
  type FuzzKind,
  type FuzzSource,
  loadFuzzSources,
  makeFuzzCases,
} from "./fuzz-cases.ts";
import { DOCUMENTED_EXIT_CODES } from "./run-cli.ts";

const REPO_ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));
const MAX_PEAK_RSS_BYTES = 400 * 1024 * 1024;
const HANG_MS = 20_000;
/** The parent kills a child that reports nothing for this long (the child's own timeout failed). */
const SILENCE_KILL_MS = 45_000;
const MAX_SILENT_LOSS = 0.1;

interface CaseResult {
  index: number;
  exitCode?: number;
  durationMs?: number;
  truncated?: boolean;
  warnings?: number;
  corruptWarnings?: number;
  wallMs?: number;
  timedOut?: boolean;
  error?: string;
  peakRssBytes?: number;
  /** Set by the parent: the child died during this case (signal or unexpected exit). */
  abort?: string;
}

async function sourceDurationMs(bytes: Uint8Array): Promise<number> {
  let samples = 0;
  async function* once() {
    yield bytes;
  }
  for await (const chunk of decodeTo16kMono(once())) samples += chunk.length;
  return samples / 16;
}

/** Runs the child from `start`; resolves with its results and, if it died mid-case, that case's index. */
function runChild(casesDir: string, start: number, onResult: (r: CaseResult) => void) {
  return new Promise<{ diedAt?: number; how?: string; peakRssBytes?: number }>((resolveRun) => {
    const child = spawn(
      process.execPath,
      ["bin/run-ts.mjs", "test/faults/fuzz-child.ts", casesDir, String(start)],
      {
        cwd: REPO_ROOT,
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let current: number | undefined;
    let peakRssBytes: number | undefined;
    let stderrTail = "";
    child.stderr.on("data", (d: Buffer) => {
      stderrTail = (stderrTail + d.toString()).slice(-400);
    });
    let silence = setTimeout(() => child.kill("SIGKILL"), SILENCE_KILL_MS);
    createInterface({ input: child.stdout }).on("line", (line) => {
      clearTimeout(silence);
      silence = setTimeout(() => child.kill("SIGKILL"), SILENCE_KILL_MS);
      let message: Record<string, unknown>;
      try {
        message = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return;
      }
      if (message.event === "start") current = Number(message.index);
      else if (message.event === "done") {
        current = undefined;
        const result = message as unknown as CaseResult;
        peakRssBytes = Math.max(peakRssBytes ?? 0, result.peakRssBytes ?? 0);
        onResult(result);
      } else if (message.event === "finished")
        peakRssBytes = Math.max(peakRssBytes ?? 0, Number(message.peakRssBytes));
    });
    child.on("close", (code, signal) => {
      clearTimeout(silence);
      const how = signal ?? `exit ${code}`;
      if (current !== undefined)
        resolveRun({ diedAt: current, how: `${how}: ${stderrTail.trim()}`, peakRssBytes });
      else if (code !== 0)
        resolveRun({ diedAt: start, how: `${how} before any case: ${stderrTail.trim()}`, peakRssBytes });
      else resolveRun({ ...(peakRssBytes === undefined ? {} : { peakRssBytes }) });
    });
  });
}

const { values } = parseArgs({
  options: { seed: { type: "string", default: "20261130" }, cases: { type: "string", default: "300" } },
});
const seed = Number(values.seed);
const caseCount = Number(values.cases);
const startedMs = performance.now();

const sources: FuzzSource[] = [];
for (const source of await loadFuzzSources())
  sources.push({ ...source, durationMs: await sourceDurationMs(source.bytes) });
const cases: FuzzCase[] = makeFuzzCases(sources, seed, caseCount);
const casesDir = mkdtempSync(join(tmpdir(), "giggles-fuzz-"));
for (const fuzzCase of cases) writeFileSync(join(casesDir, `${fuzzCase.index}.bin`), fuzzCase.bytes);
writeFileSync(join(casesDir, "count"), String(cases.length));

const results = new Map<number, CaseResult>();
let peakRssBytes = 0;
let children = 0;
try {
  for (let start = 0; start < cases.length; ) {
    children++;
    const run = await runChild(casesDir, start, (result) => results.set(result.index, result));
    peakRssBytes = Math.max(peakRssBytes, run.peakRssBytes ?? 0);
    if (run.diedAt === undefined) break;
    results.set(run.diedAt, { index: run.diedAt, abort: run.how ?? "died" });
    start = run.diedAt + 1;
  }
} finally {
  rmSync(casesDir, { recursive: true, force: true });
}

// The figures.
const aborts: string[] = [];
const hangs: string[] = [];
const undocumented: string[] = [];
const silentLosses: string[] = [];
/** Damage-only cases called truncated (a gate), and bit-flip cases called truncated (a figure only). */
const misreported: string[] = [];
const bitFlipsCalledTruncated: string[] = [];
const isDamageOnly = (kind: FuzzKind) => DAMAGE_ONLY_KINDS.some((damageKind) => damageKind === kind);
const byExit = new Map<string, number>();
const byKind = new Map<string, Map<string, number>>();
let slowestMs = 0;
for (const fuzzCase of cases) {
  const r = results.get(fuzzCase.index);
  const label = `#${fuzzCase.index} ${fuzzCase.kind} ${fuzzCase.source}: ${fuzzCase.description}`;
  if (r === undefined || r.abort !== undefined) {
    aborts.push(`${label} → ${r?.abort ?? "no result"}`);
    continue;
  }
  slowestMs = Math.max(slowestMs, r.wallMs ?? 0);
  byExit.set(String(r.exitCode), (byExit.get(String(r.exitCode)) ?? 0) + 1);
  const kindCounts = byKind.get(fuzzCase.kind) ?? new Map<string, number>();
  kindCounts.set(String(r.exitCode), (kindCounts.get(String(r.exitCode)) ?? 0) + 1);
  byKind.set(fuzzCase.kind, kindCounts);
  if (r.timedOut || (r.wallMs ?? 0) > HANG_MS) hangs.push(`${label} → ${Math.round(r.wallMs ?? 0)} ms`);
  if (r.exitCode === undefined || !DOCUMENTED_EXIT_CODES.includes(r.exitCode) || r.exitCode === 1)
    undocumented.push(`${label} → exit ${r.exitCode}: ${r.error ?? ""}`);
  if (r.exitCode === 0 && r.truncated === true && isDamageOnly(fuzzCase.kind))
    misreported.push(`${label} → called truncated`);
  if (r.exitCode === 0 && r.truncated === true && fuzzCase.kind === "bit-flips")
    bitFlipsCalledTruncated.push(label);
  const said = r.truncated === true || (r.warnings ?? 0) > 0;
  if (r.exitCode === 0 && fuzzCase.sourceMs !== undefined && !said) {
    const lost = 1 - (r.durationMs ?? 0) / fuzzCase.sourceMs;
    if (lost > MAX_SILENT_LOSS)
      silentLosses.push(`${label} → ${r.durationMs} of ${fuzzCase.sourceMs} ms, nothing said`);
  }
}

const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
console.log(
  `decoder fuzz: seed ${seed}, ${cases.length} cases from ${sources.map((s) => s.name).join(", ")}`,
);
console.log(`  cases run:            ${results.size}`);
console.log(`  child processes:      ${children}`);
console.log(`  aborts:               ${aborts.length}`);
console.log(`  hangs over 20 s:      ${hangs.length} (slowest case ${Math.round(slowestMs)} ms)`);
console.log(`  peak RSS:             ${mb(peakRssBytes)} MB (limit ${mb(MAX_PEAK_RSS_BYTES)} MB)`);
console.log(
  `  exit codes:           ${[...byExit]
    .sort()
    .map(([code, n]) => `${code}×${n}`)
    .join(", ")}`,
);
for (const [kind, counts] of byKind) {
  console.log(
    `    ${kind.padEnd(18)} ${[...counts]
      .sort()
      .map(([code, n]) => `exit ${code}×${n}`)
      .join(", ")}`,
  );
}
console.log(`  undocumented / internal exits: ${undocumented.length}`);
console.log(`  silent losses > 10 %: ${silentLosses.length}`);
console.log(`  damage called truncated (ogg-eos, mp3-resync): ${misreported.length}`);
console.log(`  bit-flip cases called truncated (a figure, not a gate): ${bitFlipsCalledTruncated.length}`);
console.log(`  wall time:            ${((performance.now() - startedMs) / 1000).toFixed(1)} s`);
for (const [title, list] of [
  ["aborts", aborts],
  ["hangs", hangs],
  ["undocumented exits", undocumented],
  ["silent losses", silentLosses],
  ["damage called truncated", misreported],
  ["bit flips called truncated (not a gate)", bitFlipsCalledTruncated],
] as const) {
  for (const line of list.slice(0, 20)) console.log(`  ${title}: ${line}`);
}
const failed =
  aborts.length + hangs.length + undocumented.length + silentLosses.length + misreported.length > 0 ||
  peakRssBytes >= MAX_PEAK_RSS_BYTES;
process.exitCode = failed ? 1 : 0;
