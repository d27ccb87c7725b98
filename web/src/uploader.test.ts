import { describe, expect, it } from "vitest";
import { oggOpus } from "../test/ogg-fixture.ts";
import { createApi } from "./api.ts";
import type { ProbedAudio } from "./audio-probe.ts";
import { indexOggOpus } from "./ogg-part.ts";
import { type PutObject, uploadFile } from "./uploader.ts";

const START = new Date("2026-11-21T08:00:00Z");

/** The recordings API as the function answers it: a 2-part plan above 1000 bytes. */
function recordingsServer() {
  const calls: string[] = [];
  const registered: { startedAt: string; endedAt: string; sizeBytes: number }[] = [];
  let ids = 0;
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const path = new URL(String(input)).pathname.replace("/functions/v1/", "");
    const body = typeof init?.body === "string" ? JSON.parse(init.body) : {};
    calls.push(`${init?.method} ${path}`);
    const json = (value: unknown, status = 200) => new Response(JSON.stringify(value), { status });
    if (path === "recordings/parts") {
      const half = new Date((Date.parse(body.startedAt) + Date.parse(body.endedAt)) / 2).toISOString();
      return json({
        maxPartBytes: 1000,
        parts:
          body.sizeBytes > 1000
            ? [
                { startedAt: body.startedAt, endedAt: half, estimatedBytes: body.sizeBytes / 2 },
                { startedAt: half, endedAt: body.endedAt, estimatedBytes: body.sizeBytes / 2 },
              ]
            : [{ startedAt: body.startedAt, endedAt: body.endedAt, estimatedBytes: body.sizeBytes }],
      });
    }
    if (path === "recordings") {
      ids += 1;
      registered.push(body);
      return json(
        {
          recordingId: `r${ids}`,
          uploadUrl: `https://storage.example/r${ids}`,
          uploadHeaders: { "content-type": "audio/wav", "content-length": String(body.sizeBytes) },
          uploadExpiresAt: new Date(Date.now() + 900_000).toISOString(),
          localDate: "2026-11-21",
        },
        201,
      );
    }
    return json({ recordingId: path.split("/")[1], status: "pending" });
  };
  return {
    api: createApi({ supabaseUrl: "https://p.example", accessToken: async () => "t", fetch }),
    calls,
    registered,
  };
}

function memoryStore() {
  const map = new Map<string, string>();
  return {
    get: (k: string) => map.get(k) ?? null,
    set: (k: string, v: string) => void map.set(k, v),
    remove: (k: string) => void map.delete(k),
    map,
  };
}

const wavAudio = (bytes: number): ProbedAudio => ({
  format: "wav",
  durationMs: 120_000,
  wav: {
    fmtChunk: new Uint8Array(24),
    dataOffset: 44,
    dataBytes: bytes - 44,
    blockAlign: 2,
    sampleRateHz: 8,
  },
});

describe("uploadFile", () => {
  it("sends a large WAV in the planned parts with progress; a failed part resumes without re-sending the first", async () => {
    const { api, calls } = recordingsServer();
    const file = new File([new Uint8Array(2044)], "long.wav", { lastModified: 1 });
    const resume = memoryStore();
    const puts: string[] = [];
    let failSecond = true;
    const putObject: PutObject = async (url, _headers, body, onBytes) => {
      if (url.endsWith("r2") && failSecond) {
        failSecond = false;
        throw new Error("network down");
      }
      puts.push(`${url} ${body.size}`);
      onBytes(body.size);
    };
    const seen: number[] = [];
    const options = {
      api,
      file,
      audio: wavAudio(2044),
      startedAt: START,
      putObject,
      resume,
      onProgress: (p: { sentBytes: number }) => seen.push(p.sentBytes),
    };
    await expect(uploadFile(options)).rejects.toThrow("network down");
    expect(puts).toHaveLength(1);
    expect(resume.map.size).toBe(1);

    const done = await uploadFile(options);
    expect(done).toMatchObject({ parts: 2, localDates: ["2026-11-21"] });
    expect(done.sentBytes).toBe(done.totalBytes);
    // Part 1 went once; part 2 was registered once and PUT again to the same URL.
    expect(puts.map((put) => put.split(" ")[0])).toEqual([
      "https://storage.example/r1",
      "https://storage.example/r2",
    ]);
    expect(calls.filter((call) => call === "POST recordings")).toHaveLength(2);
    expect(resume.map.size).toBe(0);
    expect(Math.max(...seen)).toBe(done.totalBytes);
  });

  it("sends an Ogg Opus over the single-part limit in parts cut at page starts, each registered for its own time", async () => {
    const { api, calls, registered } = recordingsServer();
    // 120 one-second pages of ~70 bytes: 8.5 kB, over the stand-in's 1000-byte limit: two parts.
    const source = oggOpus(120);
    const file = new File([source], "night.opus", { lastModified: 1 });
    const bodies: Blob[] = [];
    const done = await uploadFile({
      api,
      file,
      audio: { format: "ogg-opus", durationMs: 120_000 },
      startedAt: START,
      putObject: async (_url, _headers, body, onBytes) => {
        bodies.push(body);
        onBytes(body.size);
      },
      resume: memoryStore(),
      onProgress: () => {},
    });
    expect(done).toMatchObject({ parts: 2 });
    expect(calls.filter((call) => call === "POST recordings")).toHaveLength(2);
    // Each part is a whole Ogg Opus stream of its share: 60 s, and they touch.
    const lengths = await Promise.all(bodies.map(async (body) => (await indexOggOpus(body)).durationMs));
    expect(lengths).toEqual([60_000, 60_000]);
    expect(registered.map(({ startedAt, endedAt, sizeBytes }) => [startedAt, endedAt, sizeBytes])).toEqual([
      ["2026-11-21T08:00:00.000Z", "2026-11-21T08:01:00.000Z", bodies[0]?.size],
      ["2026-11-21T08:01:00.000Z", "2026-11-21T08:02:00.000Z", bodies[1]?.size],
    ]);
    expect(done.totalBytes).toBe(bodies.reduce((sum, body) => sum + body.size, 0));
  });
});
