/**
 * @module
 * The node's HTTP listener: Hono's request listener on a plain `node:http` server with timeouts a slow
 * client cannot outlast, and a drain that does not wait for half-sent requests. Without them, 300 slow
 * unsigned 1 MB bodies held 270 MB for as long as the clients liked, and 50 slow `/infer` requests kept
 * a SIGTERM'd node alive past systemd's 45 s stop timeout (issue 10 items 12 and 14).
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { getRequestListener } from "@hono/node-server";

export interface HttpServerOptions {
  hostname: string;
  port: number;
  /** A request's headers must arrive within this. */
  headersTimeoutMs?: number;
  /** A whole request (headers and body) must arrive within this; /infer bodies are at most 1 MiB. */
  requestTimeoutMs?: number;
  /** An idle keep-alive connection is closed after this. */
  keepAliveTimeoutMs?: number;
}

export interface HttpServer {
  server: Server;
  /** Resolves once listening, with the bound address. */
  listening: Promise<AddressInfo>;
  /**
   * Stops accepting connections, closes idle ones now and every other one after `graceMs` (requests
   * still arriving are abandoned: their clients retry elsewhere), and resolves when all are gone.
   */
  drain(graceMs: number): Promise<void>;
}

export const DEFAULT_HEADERS_TIMEOUT_MS = 10_000;
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/**
 * @example
 * ```ts
 * const http = startHttpServer(app.fetch, { hostname: "127.0.0.1", port: 8080 });
 * await http.listening;
 * process.on("SIGTERM", () => http.drain(1_000));
 * ```
 */
export function startHttpServer(
  fetch: (request: Request) => Response | Promise<Response>,
  {
    hostname,
    port,
    headersTimeoutMs = DEFAULT_HEADERS_TIMEOUT_MS,
    requestTimeoutMs = DEFAULT_REQUEST_TIMEOUT_MS,
    keepAliveTimeoutMs = 5_000,
  }: HttpServerOptions,
): HttpServer {
  const server = createServer(
    {
      headersTimeout: headersTimeoutMs,
      requestTimeout: requestTimeoutMs,
      keepAliveTimeout: keepAliveTimeoutMs,
      // How often the timeouts above are checked (Node's default, 30 s, would let them overrun by that).
      connectionsCheckingInterval: Math.max(100, Math.min(1_000, headersTimeoutMs / 4)),
    },
    getRequestListener(fetch),
  );
  const listening = new Promise<AddressInfo>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, hostname, () => {
      const address = server.address();
      if (address === null || typeof address === "string") reject(new Error("no TCP address"));
      else resolve(address);
    });
  });
  let drained: Promise<void> | undefined;
  return {
    server,
    listening,
    drain(graceMs) {
      drained ??= new Promise<void>((resolve) => {
        const timer = setTimeout(() => server.closeAllConnections(), graceMs);
        server.close(() => {
          clearTimeout(timer);
          resolve();
        });
        server.closeIdleConnections();
      });
      return drained;
    },
  };
}
