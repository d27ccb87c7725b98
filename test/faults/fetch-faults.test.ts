/**
 * Fault suite, fetching recordings (issue 10 items 9 and 15): the CLI's URL input and the node's audio
 * stream against a local server that redirects, cuts, and answers 416.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { streamAudio } from "../../inference-node/src/jobs/audio-stream.ts";
import { devAudio } from "./fault-inputs.ts";
import { runCli } from "./run-cli.ts";
import { startUrlServer, type UrlServer } from "./url-server.ts";

const wav = devAudio("laugh_040.wav");
let server: UrlServer;
beforeAll(async () => {
  server = await startUrlServer(wav);
});
afterAll(() => server.close());

async function fetchAll(url: string): Promise<number> {
  let bytes = 0;
  for await (const chunk of streamAudio(url, { maxRetries: 2, retryBaseDelayMs: 1, idleTimeoutMs: 5_000 }))
    bytes += chunk.length;
  return bytes;
}

describe("item 9: giggles detect <http URL>", () => {
  it("reads a URL, following a 302", async () => {
    const run = await runCli(["detect", server.url("/moved"), "--json"]);
    expect(run.code, run.stderr).toBe(0);
    const output = JSON.parse(run.stdout) as { durationMs: number; events: unknown[] };
    expect(output.durationMs).toBeGreaterThan(5_000);
    expect(output.events.length).toBeGreaterThan(0);
  });

  it("a connection cut mid-body is exit 3 (input unreadable)", async () => {
    const run = await runCli(["detect", server.url("/cut")]);
    expect(run.code, run.stderr).toBe(3);
    expect(run.stderr).toMatch(/failed after \d+ bytes/);
  });
});

describe("item 15: the node's audio stream", () => {
  it("follows a 302", async () => {
    expect(await fetchAll(server.url("/moved"))).toBe(wav.length);
  });

  it("a 416 naming the length it already has means done, not a permanent failure", async () => {
    expect(await fetchAll(server.url("/exact"))).toBe(wav.length);
    expect(server.requests.filter((r) => r.path === "/exact")).toEqual([
      { path: "/exact" },
      { path: "/exact", range: `bytes=${wav.length}-` },
    ]);
  });
});
