/**
 * @module
 * The local stack's front door: one port with a Supabase project's paths, so `@supabase/supabase-js` and
 * the page work unchanged locally and against a real project.
 *
 * - `/functions/v1/<name>/…` → the Edge Function `<name>` (its own Deno process), at `/<name>/…`, as the
 *   Supabase Edge Runtime routes it (method, query, headers and body forwarded; the answer streamed back);
 * - `/auth/v1/…` → the Auth stand-in (test/harness/auth-server.ts: password sign-in, refresh, user, logout,
 *   JWKS);
 * - `/config.json` → `{ supabaseUrl, anonKey }` for the page (a deployment serves its own);
 * - everything else → the built page (web/dist), `index.html` for unknown paths, with the headers a host
 *   should send (web/security-headers.ts: CSP, frame-ancestors, nosniff, Referrer-Policy).
 *
 * @example
 * ```ts
 * const gateway = await startGateway({ functions: { laughs: "http://127.0.0.1:5001" }, auth, webDir, anonKey });
 * // fetch(`${gateway.url}/functions/v1/laughs?date=2026-11-21`, { headers: { authorization } })
 * ```
 */
import { once } from "node:events";
import { existsSync, readFileSync, statSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { extname, join, normalize, sep } from "node:path";
import { createAdaptorServer } from "@hono/node-server";
import { Hono } from "hono";
import { pageSecurityHeaders } from "../../web/security-headers.ts";

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".wav": "audio/wav",
};

/** Headers a proxy must not forward (hop-by-hop, or recomputed by fetch). */
const HOP_BY_HOP = ["connection", "keep-alive", "transfer-encoding", "upgrade", "host", "content-length"];

export interface GatewayOptions {
  /** Function name → base URL of its process (the function serves under `/<name>`). */
  functions: Record<string, string>;
  /** The Auth stand-in's fetch handler (routes under /auth/v1). */
  auth: { fetch(request: Request): Response | Promise<Response> };
  /** The built page; missing → a page that says how to build it. */
  webDir: string;
  anonKey: string;
  /** Where presigned storage URLs point (the page's CSP lets it play clips from and upload to it). */
  storageUrl: string;
  port?: number;
}

export interface Gateway {
  url: string;
  stop(): Promise<void>;
}

export function createGatewayApp(options: Omit<GatewayOptions, "port">, publicUrl: () => string) {
  const app = new Hono();

  app.all("/functions/v1/:name/*", (c) => forwardToFunction(c.req.raw, c.req.param("name")));
  app.all("/functions/v1/:name", (c) => forwardToFunction(c.req.raw, c.req.param("name")));

  async function forwardToFunction(request: Request, name: string): Promise<Response> {
    const base = options.functions[name];
    if (base === undefined) {
      return Response.json(
        { code: "NOT_FOUND", message: `Requested function ${name} was not found` },
        { status: 404 },
      );
    }
    const incoming = new URL(request.url);
    const target = new URL(`${base}${incoming.pathname.replace(/^\/functions\/v1/, "")}${incoming.search}`);
    const headers = new Headers(request.headers);
    for (const name of HOP_BY_HOP) headers.delete(name);
    const hasBody = request.method !== "GET" && request.method !== "HEAD";
    const response = await fetch(target, {
      method: request.method,
      headers,
      body: hasBody ? await request.arrayBuffer() : undefined,
      redirect: "manual",
    });
    const outHeaders = new Headers(response.headers);
    for (const name of HOP_BY_HOP) outHeaders.delete(name);
    outHeaders.delete("content-encoding");
    return new Response(response.body, { status: response.status, headers: outHeaders });
  }

  app.all("/auth/v1/*", (c) => options.auth.fetch(c.req.raw));

  app.get("/config.json", (c) =>
    c.json({ supabaseUrl: publicUrl(), anonKey: options.anonKey }, 200, { "cache-control": "no-store" }),
  );

  app.get("*", (c) => {
    const root = normalize(options.webDir);
    const requested = normalize(join(root, decodeURIComponent(new URL(c.req.url).pathname)));
    // Never outside the page's folder.
    const inside = requested === root || requested.startsWith(root + sep);
    const file =
      inside && existsSync(requested) && statSync(requested).isFile() ? requested : join(root, "index.html");
    if (!existsSync(file)) {
      return c.text("The page is not built: run `npm run build:web` (npm run stack does it).", 503);
    }
    return c.body(readFileSync(file), 200, {
      "content-type": CONTENT_TYPES[extname(file)] ?? "application/octet-stream",
      "cache-control": "no-cache",
      ...pageSecurityHeaders({ supabaseUrl: publicUrl(), storageUrl: options.storageUrl }),
    });
  });
  return app;
}

/** Serves the gateway on 127.0.0.1 (`port`, or a free one). */
export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  let url = "";
  const app = createGatewayApp(options, () => url);
  const server = createAdaptorServer({ fetch: app.fetch, hostname: "127.0.0.1" });
  server.listen(options.port ?? 0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("gateway: no TCP address");
  url = `http://127.0.0.1:${(address satisfies AddressInfo).port}`;
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        if ("closeAllConnections" in server) server.closeAllConnections();
      }),
  };
}
