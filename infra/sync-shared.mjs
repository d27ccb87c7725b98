#!/usr/bin/env node
// Copies the runtime-neutral modules of shared/ into supabase/functions/_shared/generated/, where the
// Supabase CLI can bundle them (it cannot import from outside supabase/functions: supabase/cli #1040,
// #3467). shared/ is the source of truth; the copies carry a DO NOT EDIT header.
//
//   node infra/sync-shared.mjs          write the copies (and delete stale ones)
//   node infra/sync-shared.mjs --check  exit 1 and list the drift instead of writing (used by the tests)
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const sourceDir = join(root, "shared");
const targetDir = join(root, "supabase/functions/_shared/generated");

function walk(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

const isModule = (path) => path.endsWith(".ts") && !path.endsWith(".test.ts");
const header = (rel) =>
  `// Generated from shared/${rel} by infra/sync-shared.mjs. DO NOT EDIT: change shared/ and re-run it.\n`;

const expected = new Map(
  walk(sourceDir)
    .filter(isModule)
    .map((path) => {
      const rel = relative(sourceDir, path);
      return [rel, header(rel) + readFileSync(path, "utf8")];
    }),
);
const existing = new Set(walk(targetDir).map((path) => relative(targetDir, path)));
const drift = [];
for (const [rel, content] of expected) {
  const path = join(targetDir, rel);
  if (!existsSync(path) || readFileSync(path, "utf8") !== content) drift.push(`changed: ${rel}`);
}
for (const rel of existing) if (!expected.has(rel)) drift.push(`stale: ${rel}`);

if (process.argv.includes("--check")) {
  if (drift.length > 0) {
    console.error(
      `supabase/functions/_shared/generated is out of date; run \`npm run sync:shared\`:\n  ${drift.join("\n  ")}`,
    );
    process.exit(1);
  }
  process.exit(0);
}
for (const rel of existing) if (!expected.has(rel)) rmSync(join(targetDir, rel));
for (const [rel, content] of expected) {
  const path = join(targetDir, rel);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
}
console.log(`synced ${expected.size} modules into ${relative(root, targetDir)} (${drift.length} changed)`);
