import { describe, expect, it } from "vitest";
import { createJwksCache, JwksUnavailableError } from "../functions/_shared/jwks-cache.ts";

/** A JWKS endpoint in memory: counts fetches, serves `keys` or fails with `status`. */
function jwksEndpoint() {
  const state = { fetches: 0, status: 200, kids: ["k1"] };
  const fetchJwks: typeof fetch = async () => {
    state.fetches++;
    const keys = state.kids.map((kid) => ({ kid, kty: "EC", crv: "P-256", x: "x", y: "y" }));
    return new Response(JSON.stringify({ keys }), { status: state.status });
  };
  return { state, fetchJwks };
}

describe("createJwksCache", () => {
  const options = {
    supabaseUrl: "http://auth.test",
    anonKey: "anon",
    ttlMs: 600_000,
    minRefreshIntervalMs: 30_000,
  };

  it("fetches once for many unknown kids, and again only after the interval", async () => {
    const { state, fetchJwks } = jwksEndpoint();
    let nowMs = 1_000_000;
    const cache = createJwksCache({ ...options, fetch: fetchJwks, now: () => nowMs });
    expect((await cache.signingKey("k1"))?.kid).toBe("k1");
    const unknown = await Promise.all(Array.from({ length: 50 }, (_, i) => cache.signingKey(`forged-${i}`)));
    expect(unknown.every((key) => key === undefined)).toBe(true);
    expect(state.fetches).toBe(1);
    // A key added to the JWKS is found once the interval has passed.
    state.kids = ["k1", "k2"];
    expect(await cache.signingKey("k2")).toBeUndefined();
    nowMs += 30_000;
    expect((await cache.signingKey("k2"))?.kid).toBe("k2");
    expect(state.fetches).toBe(2);
  });

  it("drops a key revoked from the JWKS once the cached set is older than the TTL", async () => {
    const { state, fetchJwks } = jwksEndpoint();
    let nowMs = 0;
    const cache = createJwksCache({ ...options, fetch: fetchJwks, now: () => nowMs });
    expect(await cache.signingKey("k1")).toBeDefined();
    state.kids = ["k2"];
    nowMs += 599_000;
    expect(await cache.signingKey("k1")).toBeDefined();
    nowMs += 1_000;
    expect(await cache.signingKey("k1")).toBeUndefined();
  });

  it("throws JwksUnavailableError on a failed fetch and does not retry within the interval", async () => {
    const { state, fetchJwks } = jwksEndpoint();
    let nowMs = 0;
    const cache = createJwksCache({ ...options, fetch: fetchJwks, now: () => nowMs });
    state.status = 502;
    await expect(cache.signingKey("k1")).rejects.toBeInstanceOf(JwksUnavailableError);
    await expect(cache.signingKey("k1")).rejects.toBeInstanceOf(JwksUnavailableError);
    expect(state.fetches).toBe(1);
    state.status = 200;
    nowMs += 30_000;
    expect(await cache.signingKey("k1")).toBeDefined();
  });
});
