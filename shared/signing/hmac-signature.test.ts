import { createHmac } from "node:crypto";
import { describe, expect, it, vi } from "vitest";
import {
  checkSignatureHeaders,
  SIGNATURE_HEADER,
  signedPath,
  signRequest,
  TIMESTAMP_HEADER,
  verifyRequest,
} from "./hmac-signature.ts";

const secret = "test-secret-0123456789abcdef0123456789";
const body = '{"jobs":[{"jobId":"x"}]}';
const nowMs = 1_800_000_000_000;
const url = "https://node-1.example.com/infer";
const parts = { method: "POST", url, body };

describe("signRequest", () => {
  it("produces unix seconds and v2=<lowercase hex HMAC(secret, v2, method, path, ts, body)>", async () => {
    const headers = await signRequest(secret, parts, nowMs + 999);
    expect(headers[TIMESTAMP_HEADER]).toBe("1800000000");
    const expected = createHmac("sha256", secret)
      .update(`v2\nPOST\n/infer\n1800000000\n${body}`)
      .digest("hex");
    expect(headers[SIGNATURE_HEADER]).toBe(`v2=${expected}`);
  });

  it("signs bytes and strings identically", async () => {
    const a = await signRequest(secret, parts, nowMs);
    const b = await signRequest(secret, { ...parts, body: new TextEncoder().encode(body) }, nowMs);
    expect(a).toEqual(b);
  });
});

describe("signedPath", () => {
  it("drops the query and Supabase's /functions/v1 gateway prefix", () => {
    expect(signedPath("https://ref.supabase.co/functions/v1/report?x=1")).toBe("/report");
    expect(signedPath("http://127.0.0.1:9000/report")).toBe("/report");
    expect(signedPath("/infer?a")).toBe("/infer");
    expect(signedPath("https://h/functions/v10/report")).toBe("/functions/v10/report");
  });
});

describe("verifyRequest", () => {
  const verify = (
    s: string | string[],
    headers: Record<string, string> | Headers,
    overrides: Partial<typeof parts> = {},
    options: { nowMs?: number; replayWindowMs?: number } = { nowMs },
  ) => verifyRequest(s, { ...parts, ...overrides, headers }, options);

  it("accepts a fresh signature from a plain record or a Headers object", async () => {
    const headers = await signRequest(secret, parts, nowMs);
    expect(await verify(secret, headers)).toMatchObject({ ok: true });
    expect(await verify(secret, new Headers({ ...headers }))).toMatchObject({ ok: true });
  });

  it("reports MISSING_SIGNATURE when either header is absent", async () => {
    const headers = await signRequest(secret, parts, nowMs);
    expect(await verify(secret, {})).toEqual({ ok: false, reason: "MISSING_SIGNATURE" });
    expect(await verify(secret, { [TIMESTAMP_HEADER]: headers[TIMESTAMP_HEADER] })).toEqual({
      ok: false,
      reason: "MISSING_SIGNATURE",
    });
  });

  it("reports BAD_SIGNATURE for a tampered body, a wrong secret, another method or another path", async () => {
    const headers = await signRequest(secret, parts, nowMs);
    const bad = { ok: false, reason: "BAD_SIGNATURE" };
    expect(await verify(secret, headers, { body: `${body} ` })).toEqual(bad);
    expect(await verify("another-secret", headers)).toEqual(bad);
    expect(await verify(secret, headers, { method: "PUT" })).toEqual(bad);
    // A signature made for /infer is refused by /report (and the other way round).
    expect(await verify(secret, headers, { url: "https://ref.supabase.co/functions/v1/report" })).toEqual(
      bad,
    );
  });

  it("reports MALFORMED_SIGNATURE for a bad header, an old v1 value or more than two values", async () => {
    const headers = await signRequest(secret, parts, nowMs);
    const malformed = { ok: false, reason: "MALFORMED_SIGNATURE" };
    const valid = headers[SIGNATURE_HEADER];
    for (const signature of [
      "v2=zz",
      valid.toUpperCase(),
      `v1=${valid.slice(3)}`,
      `${valid},v9=abc`,
      `${valid},${valid},${valid}`,
      `${valid},`,
    ]) {
      expect(await verify(secret, { ...headers, [SIGNATURE_HEADER]: signature })).toEqual(malformed);
    }
    expect(await verify(secret, { ...headers, [TIMESTAMP_HEADER]: "1e9" })).toEqual(malformed);
  });

  it("computes one HMAC per secret however many values the header carries", async () => {
    const headers = await signRequest("new-secret", parts, nowMs);
    const forged = `v2=${"0".repeat(64)}`;
    const sign = vi.spyOn(crypto.subtle, "sign");
    try {
      const result = await verify(["old-secret", "new-secret"], {
        ...headers,
        [SIGNATURE_HEADER]: `${forged},${forged}`,
      });
      expect(result).toEqual({ ok: false, reason: "BAD_SIGNATURE" });
      expect(sign).toHaveBeenCalledTimes(2);
      sign.mockClear();
      const many = Array.from({ length: 900 }, () => forged).join(",");
      expect(await verify(secret, { ...headers, [SIGNATURE_HEADER]: many })).toEqual({
        ok: false,
        reason: "MALFORMED_SIGNATURE",
      });
      expect(sign).not.toHaveBeenCalled();
    } finally {
      sign.mockRestore();
    }
  });

  it("reports STALE_TIMESTAMP outside the replay window, in either direction", async () => {
    const old = await signRequest(secret, parts, nowMs - 301_000);
    const future = await signRequest(secret, parts, nowMs + 301_000);
    const stale = { ok: false, reason: "STALE_TIMESTAMP" };
    expect(await verify(secret, old)).toEqual(stale);
    expect(await verify(secret, future)).toEqual(stale);
    expect(await verify(secret, old, {}, { nowMs, replayWindowMs: 600_000 })).toMatchObject({ ok: true });
  });

  it("supports secret rotation: several secrets, two v2 values", async () => {
    const headers = await signRequest("new-secret", parts, nowMs);
    expect(await verify(["old-secret", "new-secret"], headers)).toMatchObject({ ok: true });
    const old = await signRequest("old-secret", parts, nowMs);
    const both = { ...headers, [SIGNATURE_HEADER]: `${old[SIGNATURE_HEADER]}, ${headers[SIGNATURE_HEADER]}` };
    expect(await verify("new-secret", both)).toMatchObject({ ok: true });
  });

  it("returns the matching MAC so a receiver can refuse replays", async () => {
    const headers = await signRequest(secret, parts, nowMs);
    expect(await verify(secret, headers)).toEqual({ ok: true, mac: headers[SIGNATURE_HEADER].slice(3) });
  });
});

describe("checkSignatureHeaders", () => {
  it("needs no body: headers, format, count and window only", async () => {
    const headers = await signRequest(secret, parts, nowMs);
    expect(checkSignatureHeaders(headers, { nowMs })).toMatchObject({ ok: true, timestamp: "1800000000" });
    expect(checkSignatureHeaders(headers, { nowMs: nowMs + 400_000 })).toEqual({
      ok: false,
      reason: "STALE_TIMESTAMP",
    });
  });
});
