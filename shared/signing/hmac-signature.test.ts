import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { SIGNATURE_HEADER, signRequest, TIMESTAMP_HEADER, verifyRequest } from "./hmac-signature.ts";

const secret = "test-secret-0123456789abcdef0123456789";
const body = '{"jobs":[{"jobId":"x"}]}';
const nowMs = 1_800_000_000_000;

describe("signRequest", () => {
  it("produces unix seconds and v1=<lowercase hex HMAC(secret, ts.body)>", async () => {
    const headers = await signRequest(secret, body, nowMs + 999);
    expect(headers[TIMESTAMP_HEADER]).toBe("1800000000");
    const expected = createHmac("sha256", secret).update(`1800000000.${body}`).digest("hex");
    expect(headers[SIGNATURE_HEADER]).toBe(`v1=${expected}`);
  });

  it("signs bytes and strings identically", async () => {
    const a = await signRequest(secret, body, nowMs);
    const b = await signRequest(secret, new TextEncoder().encode(body), nowMs);
    expect(a).toEqual(b);
  });
});

describe("verifyRequest", () => {
  it("accepts a fresh signature from a plain record or a Headers object", async () => {
    const headers = await signRequest(secret, body, nowMs);
    expect(await verifyRequest(secret, headers, body, { nowMs })).toEqual({ ok: true });
    expect(await verifyRequest(secret, new Headers({ ...headers }), body, { nowMs })).toEqual({ ok: true });
  });

  it("reports MISSING_SIGNATURE when either header is absent", async () => {
    const headers = await signRequest(secret, body, nowMs);
    expect(await verifyRequest(secret, {}, body, { nowMs })).toEqual({
      ok: false,
      reason: "MISSING_SIGNATURE",
    });
    expect(
      await verifyRequest(secret, { [TIMESTAMP_HEADER]: headers[TIMESTAMP_HEADER] }, body, { nowMs }),
    ).toEqual({ ok: false, reason: "MISSING_SIGNATURE" });
  });

  it("reports BAD_SIGNATURE for a tampered body, a wrong secret or a malformed header", async () => {
    const headers = await signRequest(secret, body, nowMs);
    const bad = { ok: false, reason: "BAD_SIGNATURE" };
    expect(await verifyRequest(secret, headers, `${body} `, { nowMs })).toEqual(bad);
    expect(await verifyRequest("another-secret", headers, body, { nowMs })).toEqual(bad);
    expect(await verifyRequest(secret, { ...headers, [SIGNATURE_HEADER]: "v1=zz" }, body, { nowMs })).toEqual(
      bad,
    );
    expect(
      await verifyRequest(
        secret,
        { ...headers, [SIGNATURE_HEADER]: headers[SIGNATURE_HEADER].toUpperCase() },
        body,
        {
          nowMs,
        },
      ),
    ).toEqual(bad);
    expect(await verifyRequest(secret, { ...headers, [TIMESTAMP_HEADER]: "1e9" }, body, { nowMs })).toEqual(
      bad,
    );
  });

  it("reports STALE_TIMESTAMP outside the replay window, in either direction", async () => {
    const old = await signRequest(secret, body, nowMs - 301_000);
    const future = await signRequest(secret, body, nowMs + 301_000);
    const stale = { ok: false, reason: "STALE_TIMESTAMP" };
    expect(await verifyRequest(secret, old, body, { nowMs })).toEqual(stale);
    expect(await verifyRequest(secret, future, body, { nowMs })).toEqual(stale);
    expect(await verifyRequest(secret, old, body, { nowMs, replayWindowMs: 600_000 })).toEqual({ ok: true });
  });

  it("supports secret rotation: several secrets, several v1 values", async () => {
    const headers = await signRequest("new-secret", body, nowMs);
    expect(await verifyRequest(["old-secret", "new-secret"], headers, body, { nowMs })).toEqual({ ok: true });
    const old = await signRequest("old-secret", body, nowMs);
    const both = { ...headers, [SIGNATURE_HEADER]: `${old[SIGNATURE_HEADER]},${headers[SIGNATURE_HEADER]}` };
    expect(await verifyRequest("new-secret", both, body, { nowMs })).toEqual({ ok: true });
  });
});
