/**
 * @module
 * Runs Deno (the `deno` npm package's binary) as a real child process, e.g. an Edge Function under
 * `Deno.serve`, and waits until it answers HTTP.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { freePort } from "./free-port.ts";

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

export interface DenoServer {
  url: string;
  port: number;
  process: ChildProcess;
  /** Everything the process printed so far (for assertion messages). */
  output(): string;
  stop(): Promise<void>;
}

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
  const child = spawn(denoBinary(), ["run", "--quiet", ...configArgs, ...permissions, entry], {
    env: { ...process.env, ...options.env, PORT: String(port), NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<number | null>((resolveExit) => child.once("exit", (code) => resolveExit(code)));
  let exitCode: number | null | undefined;
  void exited.then((code) => {
    exitCode = code;
  });
  const deadline = Date.now() + startTimeoutMs;
  for (;;) {
    if (exitCode !== undefined) throw new Error(`deno exited with ${exitCode} before serving:\n${output}`);
    try {
      await fetch(url + (options.readyPath ?? "/"), { signal: AbortSignal.timeout(1000) });
      break;
    } catch {
      if (Date.now() > deadline) {
        child.kill("SIGKILL");
        throw new Error(`deno did not answer on ${url} within ${startTimeoutMs} ms:\n${output}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return {
    url,
    port,
    process: child,
    output: () => output,
    async stop() {
      if (exitCode !== undefined) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
