import { describe, expect, it } from "vitest";
import { laugh } from "../test/fake-api.ts";
import { createClipUrls } from "./clip-urls.ts";

describe("clip URLs", () => {
  it("uses the URLs in hand while fresh; after 240 s one refetch serves every clip", async () => {
    let nowMs = 0;
    let refetches = 0;
    const clips = createClipUrls(
      [laugh(1, "09:00:00"), laugh(2, "09:00:05")],
      async () => {
        refetches += 1;
        return [laugh(1, "09:00:00", { clipUrl: "fresh-1" }), laugh(2, "09:00:05", { clipUrl: "fresh-2" })];
      },
      { now: () => nowMs },
    );
    expect(clips.fresh()).toBe(true);
    expect(await clips.urlFor(laugh(1, "x").id)).toContain("/clips/1.wav");
    nowMs = 239_999;
    expect(clips.fresh()).toBe(true);
    nowMs = 360_000; // six minutes after the page loaded
    expect(clips.fresh()).toBe(false);
    const [a, b] = await Promise.all([clips.urlFor(laugh(1, "x").id), clips.urlFor(laugh(2, "x").id)]);
    expect([a, b, refetches]).toEqual(["fresh-1", "fresh-2", 1]);
    expect(clips.fresh()).toBe(true);
    expect(await clips.urlFor("gone")).toBeNull();
  });
});
