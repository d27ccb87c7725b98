/**
 * @module
 * A stand-in for the Limitless API (the one third-party service we do not own), following the contract
 * in shared/limitless/limitless-contract.ts:
 *
 * - `GET /v1/lifelogs?limit=1` with `X-API-Key`: 200 for a known, unrevoked key, else 401.
 * - `GET /v1/download-audio?startMs&endMs` with `X-API-Key`: 401 for an unknown or revoked key, 400 for a
 *   window over 2 h; otherwise the next programmed answer for that (key, startMs), or the key's default
 *   (404 unless set). Answers: Ogg Opus audio, any status (with Retry-After), slow (a delay, then an
 *   answer), held (waits for a promise: a download kept open while a test acts), truncated
 *   (Content-Length of the whole, then the connection is cut halfway), endless (no Content-Length, the
 *   same bytes again and again until the client goes) and a redirect to any URL.
 *
 * Audio is whatever the test programs, normally Ogg Opus made from the dev recordings at test time by
 * window-audio.ts (cached under `.tmp/limitless-audio/`, never committed). Every request is logged, so tests can check that no window
 * was downloaded twice.
 *
 * @example
 * ```ts
 * const limitless = await startLimitlessServer();
 * limitless.addKey("sk-alice");
 * limitless.program("sk-alice", startMs, [{ status: 404 }, { audio: await windowOggOpus([laughPath]) }]);
 * ```
 */
import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

const MAX_WINDOW_MS = 2 * 3600 * 1000;

/** One programmed answer to a download. */
export type LimitlessAnswer =
  | { audio: Uint8Array }
  | { status: number; retryAfter?: string; body?: string }
  | { slowMs: number; answer: LimitlessAnswer }
  | { held: Promise<void>; answer: LimitlessAnswer }
  | { truncated: Uint8Array }
  | { endless: Uint8Array }
  | { redirect: string; status?: 301 | 302 | 307 | 308 };

export interface LimitlessRequest {
  path: string;
  key: string | null;
  startMs?: number;
  endMs?: number;
  status: number;
  /** Audio bytes sent (truncated answers: the bytes sent before the cut). */
  bytes: number;
  /** A whole audio body was sent. */
  complete: boolean;
  atMs: number;
}

export interface LimitlessStandIn {
  url: string;
  addKey(key: string): void;
  /** The key now answers 401 everywhere. */
  revokeKey(key: string): void;
  /** The key now answers 403 everywhere (known, but may not download). */
  forbidKey(key: string): void;
  /** Answers of the key check (`/v1/lifelogs`) for every key, used in order before the normal answer. */
  programKeyCheck(answers: LimitlessAnswer[]): void;
  /** Answers for the window of `key` starting at `startMs`, used in order; then the default. */
  program(key: string, startMs: number, answers: LimitlessAnswer[]): void;
  /** Default answer of a key's downloads (initially 404). */
  setDefault(key: string, answer: (startMs: number, endMs: number) => LimitlessAnswer): void;
  requests: LimitlessRequest[];
  /** Whole audio downloads per `${key} ${startMs}`. */
  downloadsByWindow(): Map<string, number>;
  close(): Promise<void>;
}

export async function startLimitlessServer(): Promise<LimitlessStandIn> {
  const keys = new Map<string, "valid" | "revoked" | "forbidden">();
  const keyChecks: LimitlessAnswer[] = [];
  const programs = new Map<string, LimitlessAnswer[]>();
  const defaults = new Map<string, (startMs: number, endMs: number) => LimitlessAnswer>();
  const requests: LimitlessRequest[] = [];

  async function answer(res: ServerResponse, reply: LimitlessAnswer, log: LimitlessRequest): Promise<void> {
    if ("slowMs" in reply) {
      await new Promise((r) => setTimeout(r, reply.slowMs));
      if (res.destroyed) return;
      return await answer(res, reply.answer, log);
    }
    if ("held" in reply) {
      await reply.held;
      if (res.destroyed) return;
      return await answer(res, reply.answer, log);
    }
    if ("redirect" in reply) {
      log.status = reply.status ?? 302;
      res.writeHead(log.status, { location: reply.redirect }).end();
      return;
    }
    if ("status" in reply) {
      log.status = reply.status;
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (reply.retryAfter !== undefined) headers["retry-after"] = reply.retryAfter;
      res
        .writeHead(reply.status, headers)
        .end(reply.body ?? JSON.stringify({ error: `stand-in ${reply.status}` }));
      return;
    }
    if ("endless" in reply) {
      log.status = 200;
      res.writeHead(200, { "content-type": "audio/ogg" });
      while (!res.destroyed && !res.writableEnded) {
        log.bytes += reply.endless.byteLength;
        if (!res.write(reply.endless)) {
          await new Promise<void>((r) => {
            res.once("drain", r);
            res.once("close", r);
          });
        }
      }
      return;
    }
    const bytes = "audio" in reply ? reply.audio : reply.truncated;
    log.status = 200;
    res.writeHead(200, { "content-type": "audio/ogg", "content-length": String(bytes.byteLength) });
    if ("audio" in reply) {
      log.bytes = bytes.byteLength;
      log.complete = true;
      res.end(bytes);
      return;
    }
    const half = Math.floor(bytes.byteLength / 2);
    log.bytes = half;
    res.write(bytes.subarray(0, half), () => {
      // Let the first half leave, then cut the connection mid-body.
      setTimeout(() => res.destroy(), 20);
    });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://stand-in");
    const keyHeader = req.headers["x-api-key"];
    const key = typeof keyHeader === "string" ? keyHeader : null;
    const log: LimitlessRequest = {
      path: url.pathname,
      key,
      status: 0,
      bytes: 0,
      complete: false,
      atMs: Date.now(),
    };
    requests.push(log);
    const known = key !== null && keys.get(key) === "valid";
    if (req.method !== "GET") {
      log.status = 405;
      res.writeHead(405).end();
      return;
    }
    if (url.pathname === "/v1/lifelogs") {
      const programmed = keyChecks.shift();
      if (programmed !== undefined) return await answer(res, programmed, log);
      log.status = known ? 200 : key !== null && keys.get(key) === "forbidden" ? 403 : 401;
      res
        .writeHead(log.status, { "content-type": "application/json" })
        .end(JSON.stringify(known ? { data: { lifelogs: [] } } : { error: "invalid API key" }));
      return;
    }
    if (url.pathname !== "/v1/download-audio") {
      log.status = 404;
      res.writeHead(404).end();
      return;
    }
    const startMs = Number(url.searchParams.get("startMs"));
    const endMs = Number(url.searchParams.get("endMs"));
    log.startMs = startMs;
    log.endMs = endMs;
    if (key !== null && keys.get(key) === "forbidden") {
      log.status = 403;
      res.writeHead(403, { "content-type": "application/json" }).end('{"error":"forbidden"}');
      return;
    }
    if (!known || key === null) {
      log.status = 401;
      res.writeHead(401, { "content-type": "application/json" }).end('{"error":"invalid API key"}');
      return;
    }
    if (
      !Number.isSafeInteger(startMs) ||
      !Number.isSafeInteger(endMs) ||
      endMs <= startMs ||
      endMs - startMs > MAX_WINDOW_MS
    ) {
      log.status = 400;
      res.writeHead(400).end('{"error":"startMs/endMs must span at most 2 hours"}');
      return;
    }
    const queue = programs.get(`${key} ${startMs}`);
    const reply = queue?.shift() ?? defaults.get(key)?.(startMs, endMs) ?? { status: 404 };
    await answer(res, reply, log);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error) => {
      res.destroy(error instanceof Error ? error : new Error(String(error)));
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    addKey: (key) => keys.set(key, "valid"),
    revokeKey: (key) => keys.set(key, "revoked"),
    forbidKey: (key) => keys.set(key, "forbidden"),
    programKeyCheck: (answers) => keyChecks.push(...answers),
    program: (key, startMs, answers) => programs.set(`${key} ${startMs}`, [...answers]),
    setDefault: (key, fn) => defaults.set(key, fn),
    requests,
    downloadsByWindow() {
      const counts = new Map<string, number>();
      for (const r of requests) {
        if (r.path === "/v1/download-audio" && r.complete && r.startMs !== undefined) {
          const id = `${r.key} ${r.startMs}`;
          counts.set(id, (counts.get(id) ?? 0) + 1);
        }
      }
      return counts;
    },
    close: () =>
      new Promise<void>((resolveClose) => {
        server.close(() => resolveClose());
        server.closeAllConnections();
      }),
  };
}
