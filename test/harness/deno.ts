/**
 * @module
 * Runs Deno (the `deno` npm package's binary) as a real child process, e.g. an Edge Function under
 * `Deno.serve`, and waits until it answers HTTP.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { freePort } from "./free-port.ts";
import { type HttpProcess, startHttpProcess } from "./http-process.ts";

const require = createRequire(import.meta.url);

/** Path of the Deno executable that `npm install` brought in (no install script needed). */
export function denoBinary(): string {
  const platformPackage = `@deno/${process.platform}-${process.arch === "x64" ? "x64" : process.arch}`;
  for (const candidate of [`${platformPackage}-glibc`, platformPackage, `${platformPackage}-musl`]) {
    try {
      const path = join(dirname(require.resolve(`${candidate}/package.json`)), "deno");
      if (existsSync(path)) return path;
    } catch {
      // Not this platform's package; try the next.
    }
  }
  throw new Error(
    "The Deno binary was not found: run `npm install` (the `deno` package is a devDependency).",
  );
}

/** A Deno process serving HTTP (see `startHttpProcess`). */
export type DenoServer = HttpProcess;

export interface DenoServeOptions {
  env?: Record<string, string>;
  /** Extra `deno run` flags; defaults allow net, env and read. */
  permissions?: string[];
  /** How long to wait for the first HTTP answer. Cold runs download npm: packages. */
  startTimeoutMs?: number;
  /** Path probed for readiness; any HTTP status counts. */
  readyPath?: string;
  /** A deno.json (import map, compiler options), e.g. supabase/functions/deno.json. */
  config?: string;
}

/** Starts `deno run <entry>` with PORT set to a free port and waits until it answers HTTP. */
export async function startDenoServer(entry: string, options: DenoServeOptions = {}): Promise<DenoServer> {
  const port = await freePort();
  const { permissions = ["--allow-net", "--allow-env", "--allow-read"], startTimeoutMs = 120_000 } = options;
  const configArgs = options.config === undefined ? [] : ["--config", options.config];
  return await startHttpProcess(denoBinary(), ["run", "--quiet", ...configArgs, ...permissions, entry], {
    port,
    env: { ...process.env, ...options.env, PORT: String(port), NO_COLOR: "1" },
    readyPath: options.readyPath,
    startTimeoutMs,
    name: `deno ${entry}`,
  });
}
