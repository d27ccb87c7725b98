/**
 * @module
 * The labelled recordings the laughter head is trained and cross-validated on: `../shared/audio/train`
 * (472 recordings with a `group` column) and `../shared/audio/dev` (66, no group column: one is derived
 * here), with the suspect clips named by the training pool's README, and the grouped folds.
 *
 * Dev groups follow the training pool's scheme so that a speaker found in both sets lands in one group:
 * Nonverbal Vocalization Dataset clips `deeply:<speaker>` (the file name's first field), Donate-a-Cry
 * `donateacry:<uuid>`, VoxCeleb interview laughs `vox:<speaker id>`, ESC-50 clips `esc50:<freesound id>`,
 * the audience-synthesis repository as one group (its clips may share an audience), anything else per file.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { seededRandom } from "../../../tooling/seeded-random.ts";

/** One labelled recording of the pool. */
export interface PoolRecording {
  /** `train/<file>` or `dev/<file>`: unique across both sets. */
  id: string;
  path: string;
  set: "train" | "dev" | "daylife";
  /**
   * Daylife's long everyday recordings: `speech` (read, public address, demo talk) and `ambient` (café,
   * street, rain, …). Every patch of them is a negative, and they are scored as whole files (false laughs
   * per hour). Absent for clips (train, dev, daylife's laughter).
   */
  stream?: "speech" | "ambient";
  label: string;
  isLaughter: boolean;
  group: string;
  sha256: string;
  /** Named suspect by the training pool's README (never above 0.03 on YAMNet's laughter classes, or under 1 s). */
  suspect: boolean;
}

/** Suspect laughter clips, from `../shared/audio/train/README.md`. */
export const SUSPECT_FILES: readonly string[] = Object.freeze([
  "laughter_007.wav",
  "laughter_008.wav",
  "laughter_011.wav",
  "laughter_015.wav",
  "laughter_022.wav",
  "laughter_024.wav",
  "laughter_033.wav",
  "laughter_041.wav",
  "laughter_043.wav",
  "laughter_052.wav",
  "laughter_002.wav",
  "laughter_055.wav",
  "baby_laughter_002.wav",
]);

const rowSchema = z.object({
  file: z.string().min(1),
  label: z.string().min(1),
  is_laughter: z.enum(["0", "1"]),
  source_repo: z.string(),
  source_path: z.string(),
  group: z.string().optional(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});

/** Parses a CSV with quoted fields (RFC 4180, no embedded newlines in these manifests). */
export function parseCsv(text: string): Record<string, string>[] {
  const lines = text.trim().split(/\r?\n/);
  const split = (line: string): string[] => {
    const out: string[] = [];
    let field = "";
    let quoted = false;
    for (let i = 0; i < line.length; i++) {
      const ch = line[i];
      if (quoted) {
        if (ch === '"' && line[i + 1] === '"') {
          field += '"';
          i++;
        } else if (ch === '"') quoted = false;
        else field += ch;
      } else if (ch === '"') quoted = true;
      else if (ch === ",") {
        out.push(field);
        field = "";
      } else field += ch;
    }
    out.push(field);
    return out;
  };
  const [header, ...rows] = lines.map(split);
  return rows.map((cells, r) => {
    if (cells.length !== header.length)
      throw new Error(`CSV row ${r + 2}: ${cells.length} fields, header has ${header.length}`);
    return Object.fromEntries(header.map((name, k) => [name, cells[k]]));
  });
}

/** The dev set's group for one manifest row; see the module comment. */
export function devGroup(sourceRepo: string, sourcePath: string): string {
  const repo = sourceRepo.replace(/^github\.com\//, "");
  const path = sourcePath.replace(/@[0-9a-f]+$/, "");
  const base = path.split("/").pop() ?? path;
  if (repo === "deeplyinc/Nonverbal-Vocalization-Dataset") return `deeply:${base.split("_")[0]}`;
  if (repo === "gveres/donateacry-corpus")
    return `donateacry:${base.split("-").slice(0, 5).join("-").toLowerCase()}`;
  const vox = /id\d{5}/.exec(base);
  if (repo === "nevermoreLin/Laugh_LSN" && vox) return `vox:${vox[0]}`;
  const esc = /^\d-(\d+)-[A-Z]-\d+/.exec(base);
  if (esc) return `esc50:${esc[1]}`;
  if (repo === "Virtual-Audience-Synthesis/audience-synthesis-playground") return `repo:${repo}`;
  return `file:${repo}/${path}`;
}

/**
 * Loads both sets. `sharedDir` holds `audio/train` and `audio/dev`.
 *
 * @example const pool = loadTrainingPool("../shared"); // 538 recordings
 */
export function loadTrainingPool(sharedDir: string): PoolRecording[] {
  const out: PoolRecording[] = [];
  const trainDir = join(sharedDir, "audio", "train");
  for (const raw of parseCsv(readFileSync(join(trainDir, "manifest.csv"), "utf8"))) {
    const row = rowSchema.parse(raw);
    if (!row.group) throw new Error(`train/manifest.csv: ${row.file} has no group`);
    out.push({
      id: `train/${row.file}`,
      path: join(trainDir, row.file),
      set: "train",
      label: row.label,
      isLaughter: row.is_laughter === "1",
      group: row.group,
      sha256: row.sha256,
      suspect: SUSPECT_FILES.includes(row.file),
    });
  }
  const devDir = join(sharedDir, "audio", "dev");
  const notes = new Map(
    parseCsv(readFileSync(join(devDir, "notes.csv"), "utf8")).map((n) => [n.file, n.sha256]),
  );
  for (const raw of parseCsv(readFileSync(join(devDir, "manifest.csv"), "utf8"))) {
    const row = rowSchema.parse({ ...raw, sha256: notes.get(raw.file) });
    out.push({
      id: `dev/${row.file}`,
      path: join(devDir, row.file),
      set: "dev",
      label: row.label,
      isLaughter: row.is_laughter === "1",
      group: devGroup(row.source_repo, row.source_path),
      sha256: row.sha256,
      suspect: false,
    });
  }
  return out;
}

/**
 * Loads `../shared/audio/daylife` (README there): speech and ambient files become streams, the laughter
 * clips ordinary laughter recordings. Groups come from its manifest.
 *
 * @example const daylife = loadDaylife("../shared"); // 132 recordings, 49 speech, 76 ambient, 7 laughter
 */
export function loadDaylife(sharedDir: string): PoolRecording[] {
  const dir = join(sharedDir, "audio", "daylife");
  return parseCsv(readFileSync(join(dir, "manifest.csv"), "utf8")).map((raw) => {
    const row = rowSchema.parse(raw);
    if (!row.group) throw new Error(`daylife/manifest.csv: ${row.file} has no group`);
    const folder = row.file.split("/")[0];
    const stream = folder === "speech" || folder === "ambient" ? folder : undefined;
    if (stream === undefined && row.is_laughter !== "1")
      throw new Error(`daylife/manifest.csv: ${row.file} is neither speech, ambient nor laughter`);
    return {
      id: `daylife/${row.file}`,
      path: join(dir, row.file),
      set: "daylife" as const,
      label: row.label,
      isLaughter: row.is_laughter === "1",
      group: row.group,
      sha256: row.sha256,
      suspect: false,
      ...(stream ? { stream } : {}),
    };
  });
}

/**
 * Assigns every group to one of `foldCount` folds, deterministically: groups in a seeded order, largest
 * laughter count first, each laughter group to the fold with the fewest laughter recordings so far (then
 * the fewest recordings), each other group to the fold with the fewest recordings. Returns the fold of each recording, index-aligned with `recordings`.
 */
export function groupedFolds(
  recordings: readonly PoolRecording[],
  foldCount: number,
  seed: number,
): number[] {
  const groups = new Map<string, { laughs: number; size: number; order: number }>();
  const random = seededRandom(seed);
  for (const r of [...recordings].sort((a, b) => (a.group < b.group ? -1 : a.group > b.group ? 1 : 0))) {
    const g = groups.get(r.group) ?? { laughs: 0, size: 0, order: 0 };
    if (g.size === 0) g.order = random();
    g.laughs += Number(r.isLaughter);
    g.size++;
    groups.set(r.group, g);
  }
  const ordered = [...groups].sort(
    ([, a], [, b]) => b.laughs - a.laughs || b.size - a.size || a.order - b.order,
  );
  const laughs = new Array<number>(foldCount).fill(0);
  const sizes = new Array<number>(foldCount).fill(0);
  const foldOf = new Map<string, number>();
  for (const [name, g] of ordered) {
    let best = 0;
    for (let f = 1; f < foldCount; f++) {
      const fewer =
        g.laughs > 0
          ? laughs[f] < laughs[best] || (laughs[f] === laughs[best] && sizes[f] < sizes[best])
          : sizes[f] < sizes[best];
      if (fewer) best = f;
    }
    foldOf.set(name, best);
    laughs[best] += g.laughs;
    sizes[best] += g.size;
  }
  return recordings.map((r) => foldOf.get(r.group) ?? 0);
}
