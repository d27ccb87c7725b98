/**
 * The shared signing and schema modules are runtime-neutral: the same files run under Deno (as the
 * Edge Functions will use them) and agree with Node byte for byte.
 */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signRequest, verifyRequest } from "../../shared/signing/hmac-signature.ts";
import { denoBinary } from "../harness/deno.ts";
import { repoRoot } from "./inference-node-process.ts";

const run = promisify(execFile);
const secret = "deno-parity-secret-0123456789abcdef0123";
const body = JSON.stringify({ jobs: [{ jobId: "x" }], note: "ünïcödé ✓" });

describe("shared modules under Deno", () => {
  let dir: string;
  let script: string;

  beforeAll(async () => {
    // Inside the repo so that Deno resolves `zod` from its node_modules, like the import map will.
    // (.tmp/ is git-ignored.)
    await mkdir(join(repoRoot, ".tmp"), { recursive: true });
    dir = await mkdtemp(join(repoRoot, ".tmp", "deno-"));
    script = join(dir, "check.ts");
    await writeFile(
      script,
      `import { signRequest, verifyRequest } from "../../shared/signing/hmac-signature.ts";
import { inferRequestSchema } from "../../shared/schemas/infer-request.ts";
import { jobReportBatchSchema } from "../../shared/schemas/job-report.ts";
const [secret, body, nowMs, headersJson] = Deno.args;
const parts = { method: "POST", url: "https://ref.supabase.co/functions/v1/report", body };
const verified = await verifyRequest(secret, { ...parts, headers: JSON.parse(headersJson) }, { nowMs: Number(nowMs) });
const signed = await signRequest(secret, parts, Number(nowMs));
const job = { jobId: crypto.randomUUID(), leaseToken: crypto.randomUUID(), audioUrl: "https://s/a.ogg",
  recordingStartedAt: "2026-11-27T08:00:00Z", format: "ogg-opus", clipKeyPrefix: "u/r/",
  callbackUrl: "https://f/report", deadline: "2026-11-28T03:00:00Z" };
console.log(JSON.stringify({
  verified, signed,
  request: inferRequestSchema.safeParse({ jobs: [job] }).success,
  badReport: jobReportBatchSchema.safeParse({ reports: [] }).success,
}));
`,
    );
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("verifies Node's signature, signs identically, and parses with the same schemas", async () => {
    const nowMs = Date.now();
    const parts = { method: "POST", url: "/report", body };
    const headers = await signRequest(secret, parts, nowMs);
    const { stdout } = await run(
      denoBinary(),
      ["run", "--no-prompt", script, secret, body, String(nowMs), JSON.stringify(headers)],
      { cwd: repoRoot },
    );
    const result = JSON.parse(stdout) as {
      verified: unknown;
      signed: Record<string, string>;
      request: boolean;
      badReport: boolean;
    };
    expect(result.verified).toMatchObject({ ok: true });
    expect(result.signed).toEqual(headers);
    expect(await verifyRequest(secret, { ...parts, headers: result.signed }, { nowMs })).toMatchObject({
      ok: true,
    });
    expect(result.request).toBe(true);
    expect(result.badReport).toBe(false);
  });
});
