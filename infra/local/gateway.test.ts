import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Gateway, startGateway } from "./gateway.ts";

let gateway: Gateway;
let fn: Gateway;
let webDir: string;
const seen: { method: string; url: string; body: string; authorization: string | null }[] = [];

beforeAll(async () => {
  webDir = mkdtempSync(join(tmpdir(), "giggles-web-"));
  mkdirSync(join(webDir, "assets"));
  writeFileSync(join(webDir, "index.html"), "<!doctype html><title>page</title>");
  writeFileSync(join(webDir, "assets/app.js"), "console.log(1)");
  writeFileSync(join(tmpdir(), "giggles-gateway-secret.txt"), "secret");
  // A stand-in function process: echoes what it received (a gateway with no functions of its own).
  fn = await startGateway({
    functions: {},
    auth: {
      fetch: async (request) => {
        seen.push({
          method: request.method,
          url: request.url,
          body: await request.text(),
          authorization: request.headers.get("authorization"),
        });
        return Response.json({ ok: true }, { status: 201, headers: { "x-from": "function" } });
      },
    },
    webDir,
    anonKey: "unused",
    storageUrl: "http://127.0.0.1:1",
  });
  gateway = await startGateway({
    // The function's "process" serves everything under /auth/v1 in this stand-in, so route through it.
    functions: { laughs: `${fn.url}/auth/v1` },
    auth: { fetch: () => Response.json({ auth: true }) },
    webDir,
    anonKey: "anon-123",
    storageUrl: "http://127.0.0.1:9000/some/path",
  });
});

afterAll(async () => {
  await gateway?.stop();
  await fn?.stop();
  rmSync(webDir, { recursive: true, force: true });
  rmSync(join(tmpdir(), "giggles-gateway-secret.txt"), { force: true });
});

describe("gateway", () => {
  it("forwards /functions/v1/<name>/… to the function at /<name>/…, with method, query, headers and body", async () => {
    const res = await fetch(`${gateway.url}/functions/v1/laughs/x/y?date=2026-11-21`, {
      method: "PATCH",
      headers: { authorization: "Bearer t", "content-type": "application/json" },
      body: '{"note":"hi"}',
    });
    expect(res.status).toBe(201);
    expect(res.headers.get("x-from")).toBe("function");
    expect(await res.json()).toEqual({ ok: true });
    expect(seen.at(-1)).toEqual({
      method: "PATCH",
      url: `${fn.url}/auth/v1/laughs/x/y?date=2026-11-21`,
      body: '{"note":"hi"}',
      authorization: "Bearer t",
    });
  });

  it("answers 404 for a function it does not have, serves Auth, config and the page", async () => {
    const missing = await fetch(`${gateway.url}/functions/v1/limitless-key`);
    expect(missing.status).toBe(404);
    expect(await (await fetch(`${gateway.url}/auth/v1/user`)).json()).toEqual({ auth: true });
    expect(await (await fetch(`${gateway.url}/config.json`)).json()).toEqual({
      supabaseUrl: gateway.url,
      anonKey: "anon-123",
    });
    const js = await fetch(`${gateway.url}/assets/app.js`);
    expect(js.headers.get("content-type")).toContain("text/javascript");
    expect(await (await fetch(`${gateway.url}/day/2026-11-21`)).text()).toContain("<title>page</title>");
  });

  it("serves the page with the hosting headers: CSP (own origin, the project, storage; no framing), nosniff, no referrer", async () => {
    for (const path of ["/", "/assets/app.js"]) {
      const page = await fetch(`${gateway.url}${path}`);
      expect(page.headers.get("x-content-type-options"), path).toBe("nosniff");
      expect(page.headers.get("referrer-policy"), path).toBe("no-referrer");
      const csp = page.headers.get("content-security-policy") ?? "";
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain(`connect-src 'self' ${gateway.url} http://127.0.0.1:9000`);
      expect(csp).toContain("media-src 'self' http://127.0.0.1:9000");
    }
  });

  it("never serves a file outside the page's folder", async () => {
    for (const path of [
      "/../giggles-gateway-secret.txt",
      "/%2e%2e/giggles-gateway-secret.txt",
      "/..%2fgiggles-gateway-secret.txt",
    ]) {
      const text = await (await fetch(`${gateway.url}${path}`)).text();
      expect(text, path).not.toContain("secret");
    }
  });
});
