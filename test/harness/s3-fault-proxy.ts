/**
 * @module
 * A fault switch in front of a real S3 endpoint (s3rver): every request is forwarded as it is, except that
 * while `failDeletes` is set a DELETE is answered 500 `InternalError` (as S3 answers one now and then) and
 * never reaches storage, and while `holdParts` is set an UploadPart (`PUT …?partNumber=`) waits for it
 * before going on (an upload kept open while a test acts). Point a function's `STORAGE_S3_ENDPOINT` at
 * `endpoint`.
 *
 * @example
 * ```ts
 * const proxy = await startS3FaultProxy(s3.endpoint);
 * proxy.failDeletes = true; // the next DELETEs fail, the objects stay
 * ```
 */
import { once } from "node:events";
import { createServer, request } from "node:http";

export interface S3FaultProxy {
  endpoint: string;
  /** While true, DELETE requests are answered 500 without reaching storage. */
  failDeletes: boolean;
  /** DELETE requests answered 500 so far. */
  failedDeletes: number;
  /** While set, UploadPart requests wait for this promise. */
  holdParts: Promise<void> | undefined;
  /** UploadPart requests that waited so far. */
  heldParts: number;
  close(): Promise<void>;
}

export async function startS3FaultProxy(target: string): Promise<S3FaultProxy> {
  const upstream = new URL(target);
  const state: Omit<S3FaultProxy, "endpoint" | "close"> = {
    failDeletes: false,
    failedDeletes: 0,
    holdParts: undefined,
    heldParts: 0,
  };
  const server = createServer(async (req, res) => {
    if (req.method === "DELETE" && state.failDeletes) {
      state.failedDeletes++;
      req.resume();
      res.writeHead(500, { "content-type": "application/xml" });
      res.end(
        '<?xml version="1.0" encoding="UTF-8"?><Error><Code>InternalError</Code><Message>injected</Message></Error>',
      );
      return;
    }
    const hold = state.holdParts;
    if (req.method === "PUT" && req.url?.includes("partNumber=") && hold !== undefined) {
      state.heldParts++;
      await hold;
    }
    const forwarded = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: upstream.host },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forwarded.on("error", () => res.destroy());
    req.pipe(forwarded);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("S3 fault proxy: no TCP address");
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    get failDeletes() {
      return state.failDeletes;
    },
    set failDeletes(value: boolean) {
      state.failDeletes = value;
    },
    get failedDeletes() {
      return state.failedDeletes;
    },
    get holdParts() {
      return state.holdParts;
    },
    set holdParts(value: Promise<void> | undefined) {
      state.holdParts = value;
    },
    get heldParts() {
      return state.heldParts;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
