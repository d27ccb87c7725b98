/**
 * @module
 * Builds the page (web/ → web/dist, `npm run build:web`) when a source file is newer than the last build,
 * so the local stack serves the current page without paying for a build on every start. The build runs in a
 * child process, so `npm run stack` overlaps it with the services' start-up (the gateway reads web/dist per
 * request, and the stack says it is up only when both are done).
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT, WEB_DIST_DIR } from "./local-stack.ts";

const WEB_DIR = join(REPO_ROOT, "web");

function newestSourceMs(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (path !== WEB_DIST_DIR) newest = Math.max(newest, newestSourceMs(path));
    } else {
      newest = Math.max(newest, statSync(path).mtimeMs);
    }
  }
  return newest;
}

/** Resolves true when it built, false when web/dist was current; rejects when the build fails. */
export async function buildWebIfStale(): Promise<boolean> {
  const built = join(WEB_DIST_DIR, "index.html");
  // shared/ is bundled into the page too.
  const sourcesMs = Math.max(newestSourceMs(WEB_DIR), newestSourceMs(join(REPO_ROOT, "shared")));
  if (existsSync(built) && statSync(built).mtimeMs >= sourcesMs) return false;
  const build = spawn(
    process.execPath,
    [join(REPO_ROOT, "node_modules/vite/bin/vite.js"), "build", "--config", "web/vite.config.ts"],
    { cwd: REPO_ROOT, stdio: "inherit" },
  );
  const [code, signal] = await once(build, "exit");
  if (code !== 0) throw new Error(`the page's build (vite) failed: exit ${code ?? signal}`);
  return true;
}
