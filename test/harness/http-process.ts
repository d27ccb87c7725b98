/**
 * @module
 * Starts a child process that serves HTTP (a Deno Edge Function, the inference node) and waits until it
 * answers; collects its output for error messages and stops it with SIGTERM, then SIGKILL.
 */
import { type ChildProcess, spawn } from "node:child_process";

export interface HttpProcess {
  url: string;
  port: number;
  process: ChildProcess;
  /** Everything the process printed so far (stdout and stderr). */
  output(): string;
  /** Resolves with the exit code when the process ends. */
  exited: Promise<number | null>;
  /** Sends `signal` (default SIGTERM), SIGKILL after `killAfterMs`, and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export interface HttpProcessOptions {
  /** The port the process will listen on (passed to it through `env` by the caller). */
  port: number;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Probed until `isReady(status)`; a refused connection means "not yet". Default `/`. */
  readyPath?: string;
  /** Default: any HTTP answer counts. */
  isReady?: (status: number) => boolean;
  startTimeoutMs?: number;
  /** How long `stop()` waits after the signal before SIGKILL. Default 5 s. */
  killAfterMs?: number;
  /** Called with each chunk of output, e.g. to forward logs. */
  onOutput?: (chunk: string) => void;
  /** Names the process in errors. */
  name?: string;
}

export async function startHttpProcess(
  command: string,
  args: readonly string[],
  options: HttpProcessOptions,
): Promise<HttpProcess> {
  const {
    port,
    readyPath = "/",
    isReady = () => true,
    startTimeoutMs = 120_000,
    killAfterMs = 5_000,
    name = command,
  } = options;
  const child = spawn(command, [...args], {
    cwd: options.cwd,
    env: options.env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const collect = (chunk: Buffer) => {
    const text = chunk.toString();
    output += text;
    options.onOutput?.(text);
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolveExit) =>
    child.once("exit", (code) => {
      exitCode = code;
      resolveExit(code);
    }),
  );
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + startTimeoutMs;
  for (;;) {
    if (exitCode !== undefined) throw new Error(`${name} exited with ${exitCode} before serving:\n${output}`);
    try {
      const response = await fetch(url + readyPath, { signal: AbortSignal.timeout(1000) });
      await response.arrayBuffer();
      if (isReady(response.status)) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(
        `${name} did not become ready on ${url}${readyPath} within ${startTimeoutMs} ms:\n${output}`,
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    port,
    process: child,
    output: () => output,
    exited,
    async stop(signal = "SIGTERM") {
      if (exitCode !== undefined) return;
      child.kill(signal);
      const timer = setTimeout(() => child.kill("SIGKILL"), killAfterMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
