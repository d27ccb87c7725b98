import { describe, expect, it } from "vitest";
import {
  classifyDownloadStatus,
  downloadAudioUrl,
  hasOggMagic,
  keyCheckUrl,
  rateLimitSeconds,
  retryAfterSeconds,
} from "./limitless-contract.ts";

describe("Limitless contract", () => {
  it("builds the documented URLs", () => {
    expect(downloadAudioUrl("https://api.limitless.ai", 1000, 7_201_000).href).toBe(
      "https://api.limitless.ai/v1/download-audio?startMs=1000&endMs=7201000",
    );
    expect(keyCheckUrl("http://127.0.0.1:9/base/").href).toBe("http://127.0.0.1:9/base/v1/lifelogs?limit=1");
    expect(() => downloadAudioUrl("https://x", 0, 7_200_001)).toThrow("at most 2 hours");
    expect(() => downloadAudioUrl("https://x", 5, 5)).toThrow(RangeError);
  });

  it("classifies every answer of the contract", () => {
    expect([200, 404, 401, 403, 429, 500, 502, 503, 400, 302, 307, 408].map(classifyDownloadStatus)).toEqual([
      "audio",
      "no_audio",
      "key_invalid",
      "key_forbidden",
      "rate_limited",
      "transient",
      "transient",
      "transient",
      "bad_request",
      "redirect",
      "redirect",
      "transient",
    ]);
  });

  it("reads Retry-After as seconds or an HTTP date", () => {
    const now = Date.parse("2026-11-30T10:00:00Z");
    expect(retryAfterSeconds("7", now)).toBe(7);
    expect(retryAfterSeconds("Mon, 30 Nov 2026 10:00:30 GMT", now)).toBe(30);
    expect(retryAfterSeconds(null, now)).toBeUndefined();
    expect(retryAfterSeconds("soon", now)).toBeUndefined();
  });

  it("reads a 429's wait from the header, else from the body's retryAfter", () => {
    const now = Date.parse("2026-11-30T10:00:00Z");
    expect(rateLimitSeconds("7", '{"retryAfter":90}', now)).toBe(7);
    expect(rateLimitSeconds(null, '{"error":"rate limited","retryAfter":90}', now)).toBe(90);
    expect(rateLimitSeconds(null, '{"retryAfter":"12.5"}', now)).toBe(13);
    expect(rateLimitSeconds(null, '{"retryAfter":-1}', now)).toBeUndefined();
    expect(rateLimitSeconds(null, "<html>busy</html>", now)).toBeUndefined();
  });

  it("recognises the Ogg capture pattern", () => {
    expect(hasOggMagic(new TextEncoder().encode("OggS\0"))).toBe(true);
    expect(hasOggMagic(new TextEncoder().encode("RIFF"))).toBe(false);
    expect(hasOggMagic(new Uint8Array(2))).toBe(false);
  });
});
