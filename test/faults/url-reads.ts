/**
 * @module
 * Issue 19 item 8: a multi-MB Ogg Opus read over HTTP from a local server that ends the connection right
 * after the body (`Connection: close`, as `python3 -m http.server` does), again and again: `--runs` times
 * through the CLI's URL input (`openInput`) and the node's audio fetch (`streamAudio`), each decoded to the
 * end, then `--cli-runs` times through the CLI itself (`main(["detect", url, "--json"])`: model, engine and
 * all), everything in this one process so that 50 runs take about a minute, not three.
 * With undici 7 the decoder's back-pressure paused the HTTP parser, the FIN then hit `assert(!this.paused)`
 * (nodejs/undici#5360, fixed in 8.6.0 by nodejs/undici#5474) and the process aborted: 7 of 8 CLI runs.
 * Prints the figures; exits 1 on any failed or short read (a crash kills this process: non-zero too).
 *
 * Usage: node bin/run-ts.mjs test/faults/url-reads.ts [--runs 50] [--cli-runs 50]
 */
import { Writable } from "node:stream";
import { parseArgs } from "node:util";
import { z } from "zod";
import { decodeTo16kMono } from "../../inference-node/src/audio/decode-stream.ts";
import { main } from "../../inference-node/src/cli/main.ts";
import { openInput } from "../../inference-node/src/cli/open-input.ts";
import { streamAudio } from "../../inference-node/src/jobs/audio-stream.ts";
import { MULTI_MEGABYTE_OPUS_SECONDS, multiMegabyteOpus } from "./fault-inputs.ts";
import { startUrlServer } from "./url-server.ts";

const SAMPLE_RATE_HZ = 16_000;
const cliOutputSchema = z.object({ durationMs: z.number() });

/** A writable that keeps what is written (the CLI's stdout or stderr). */
function textSink(): { stream: Writable; text: () => string } {
  let text = "";
  const stream = new Writable({
    write(chunk, _encoding, done) {
      text += String(chunk);
      done();
    },
  });
  return { stream, text: () => text };
}

async function decodedMs(bytes: AsyncIterable<Uint8Array>): Promise<number> {
  let samples = 0;
  for await (const chunk of decodeTo16kMono(bytes, { format: "ogg-opus" })) samples += chunk.length;
  return (samples * 1000) / SAMPLE_RATE_HZ;
}

const { values } = parseArgs({
  options: { runs: { type: "string", default: "50" }, "cli-runs": { type: "string", default: "50" } },
});
const runs = Number(values.runs);
const cliRuns = Number(values["cli-runs"]);
const opus = await multiMegabyteOpus();
const server = await startUrlServer(opus);
const url = server.url("/close");
const failures: string[] = [];
const expectedMs = MULTI_MEGABYTE_OPUS_SECONDS * 1000;
const startedMs = performance.now();
try {
  for (let run = 0; run < runs; run++) {
    const cliInput = await decodedMs((await openInput(url)).bytes).catch((error: unknown) => String(error));
    if (cliInput !== expectedMs) failures.push(`openInput run ${run}: ${cliInput}`);
    const nodeFetch = await decodedMs(streamAudio(url, { maxRetries: 0 })).catch((error: unknown) =>
      String(error),
    );
    if (nodeFetch !== expectedMs) failures.push(`streamAudio run ${run}: ${nodeFetch}`);
  }
  const inProcessMs = performance.now() - startedMs;
  const cliStartedMs = performance.now();
  for (let run = 0; run < cliRuns; run++) {
    const stdout = textSink();
    const stderr = textSink();
    const code = await main(["detect", url, "--json"], { stdout: stdout.stream, stderr: stderr.stream });
    const parsed = code === 0 ? cliOutputSchema.safeParse(JSON.parse(stdout.text())) : undefined;
    if (parsed?.data?.durationMs !== expectedMs)
      failures.push(`giggles detect run ${run}: exit ${code}: ${stderr.text().slice(-300)}`);
  }
  const cliMs = performance.now() - cliStartedMs;
  console.log(
    `url reads: ${(opus.length / 1e6).toFixed(2)} MB Ogg Opus (${MULTI_MEGABYTE_OPUS_SECONDS} s), Connection: close`,
  );
  console.log(`  openInput + decode:        ${runs} runs`);
  console.log(
    `  streamAudio + decode:      ${runs} runs (in-process total ${(inProcessMs / 1000).toFixed(1)} s)`,
  );
  console.log(`  giggles detect <url>:      ${cliRuns} runs (${(cliMs / 1000).toFixed(1)} s)`);
  console.log(`  failed or short reads:     ${failures.length}`);
  for (const failure of failures.slice(0, 20)) console.log(`  failure: ${failure}`);
} finally {
  await server.close();
}
process.exitCode = failures.length > 0 ? 1 : 0;
