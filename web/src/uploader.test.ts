import { describe, expect, it } from "vitest";
import { createApi } from "./api.ts";
import type { ProbedAudio } from "./audio-probe.ts";
import { type PutObject, uploadFile } from "./uploader.ts";

const START = new Date("2026-11-21T08:00:00Z");

/** The recordings API as the function answers it: a 2-part plan above 1000 bytes. */
function recordingsServer() {
  const calls: string[] = [];
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
  return { api: createApi({ supabaseUrl: "https://p.example", accessToken: async () => "t", fetch }), calls };
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

  it("refuses an Ogg file over the single-part limit with a sentence", async () => {
    const { api } = recordingsServer();
    const file = new File([new Uint8Array(5000)], "night.opus");
    await expect(
      uploadFile({
        api,
        file,
        audio: { format: "ogg-opus", durationMs: 3_600_000 },
        startedAt: START,
        putObject: async () => {},
        resume: memoryStore(),
        onProgress: () => {},
      }),
    ).rejects.toThrow(/larger than one upload may be/);
  });
});
