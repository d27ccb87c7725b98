/**
 * @module
 * A local HTTP server that serves one recording the way object storage does (Content-Length,
 * Accept-Ranges, 206 for `Range: bytes=N-`), and misbehaves on request: drops the connection mid-body,
 * ignores Range, answers a fixed status, or trickles bytes slowly.
 */
import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface AudioServerOptions {
  body: Uint8Array;
  /** Destroy the socket after this many body bytes, for the first `drops` responses. */
  dropAfterBytes?: number;
  drops?: number;
  /** Answer Range requests with 206 (default) or ignore them (200, whole body). */
  supportRanges?: boolean;
  /** Answer every request with this status and no body. */
  status?: number;
  /** Throttle: bytes per second (writes 8 KiB pieces). */
  bytesPerSecond?: number;
  /** ETag header sent with the body (quoted as S3 does). */
  etag?: string;
}

export interface AudioServer {
  url: string;
  /** Range header of every request received (undefined for none). */
  ranges: (string | undefined)[];
  /** If-Match header of every request received (undefined for none). */
  ifMatches: (string | undefined)[];
  /** Body bytes written so far, over all responses. */
  bytesSent(): number;
  close(): Promise<void>;
}

export async function startAudioServer(options: AudioServerOptions): Promise<AudioServer> {
  const ranges: (string | undefined)[] = [];
  const ifMatches: (string | undefined)[] = [];
  let bytesSent = 0;
  let dropsLeft = options.drops ?? (options.dropAfterBytes === undefined ? 0 : 1);
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    ranges.push(req.headers.range);
    ifMatches.push(req.headers["if-match"]);
    const etag = options.etag === undefined ? {} : { etag: `"${options.etag}"` };
    if (options.status !== undefined) {
      res.writeHead(options.status).end();
      return;
    }
    const total = options.body.length;
    let start = 0;
    const match = /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
    const supportRanges = options.supportRanges ?? true;
    if (match && supportRanges) {
      start = Number(match[1]);
      res.writeHead(206, {
        "content-length": String(total - start),
        "content-range": `bytes ${start}-${total - 1}/${total}`,
        "accept-ranges": "bytes",
        "content-type": "audio/wav",
        ...etag,
      });
    } else {
      res.writeHead(200, {
        "content-length": String(total),
        ...(supportRanges ? { "accept-ranges": "bytes" } : {}),
        "content-type": "audio/wav",
        ...etag,
      });
    }
    const drop = dropsLeft > 0 ? options.dropAfterBytes : undefined;
    if (drop !== undefined) dropsLeft--;
    void send(res, options.body.subarray(start), drop, options.bytesPerSecond, (bytes) => {
      bytesSent += bytes;
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/recordings/night.wav?X-Amz-Signature=abc`,
    ranges,
    ifMatches,
    bytesSent: () => bytesSent,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

async function send(
  res: ServerResponse,
  body: Uint8Array,
  dropAfterBytes: number | undefined,
  bytesPerSecond: number | undefined,
  onSent: (bytes: number) => void,
) {
  const pieceBytes = 8192;
  let sent = 0;
  while (sent < body.length) {
    if (res.destroyed) return;
    const end = Math.min(body.length, sent + pieceBytes, dropAfterBytes ?? Number.POSITIVE_INFINITY);
    if (end === sent) {
      // Simulate a dropped connection: the client sees a premature close mid-body.
      res.socket?.destroy();
      return;
    }
    const ok = res.write(body.subarray(sent, end));
    onSent(end - sent);
    const pieceMs = ((end - sent) / (bytesPerSecond ?? Number.POSITIVE_INFINITY)) * 1000;
    sent = end;
    if (bytesPerSecond !== undefined) await new Promise((resolve) => setTimeout(resolve, pieceMs));
    else if (!ok) await once(res, "drain");
  }
  if (dropAfterBytes !== undefined && dropAfterBytes <= sent && sent < body.length) res.socket?.destroy();
  else res.end();
}
