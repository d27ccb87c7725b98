/**
 * @module
 * The steps of a night on the local stack, as a user and the platform would take them: sign up, upload
 * recordings through the `recordings` function, let the sweep hand finished local days to the queue,
 * dispatch until the queue settles, read the laughs back through the `laughs` function. Shared by
 * `npm run demo` and the e2e test.
 */
import { createReadStream, readFileSync } from "node:fs";
import { z } from "zod";
import { decodeTo16kMono } from "../../inference-node/src/audio/decode-stream.ts";
import { sniffFormat } from "../../inference-node/src/audio/sniff-format.ts";
import type { LocalStack } from "./local-stack.ts";

export interface DemoUser {
  id: string;
  name: string;
  email: string;
  timeZone: string;
  token: string;
}

/** The password of the users the local stack and the demo create (they sign in to the page with it). */
export const DEMO_PASSWORD = "giggles-demo";

/**
 * Signs a user up and in through the Auth stand-in (the auth.users trigger creates the profile with this
 * zone), with DEMO_PASSWORD. `id`/`email` fixed: the same user again on a kept stack.
 */
export async function createUser(
  stack: Pick<LocalStack, "auth">,
  name: string,
  timeZone: string,
  fixed: { id?: string; email?: string } = {},
): Promise<DemoUser> {
  const email = fixed.email ?? `${name.toLowerCase()}-${crypto.randomUUID().slice(0, 8)}@demo.giggles.local`;
  const user = await stack.auth.service.createUser({
    ...(fixed.id === undefined ? {} : { id: fixed.id }),
    email,
    password: DEMO_PASSWORD,
    userMetadata: { time_zone: timeZone, name },
  });
  const session = await stack.auth.service.signIn(email, DEMO_PASSWORD);
  return { id: user.id, name, timeZone, email, token: session.access_token };
}

/** Formats the `recordings` function accepts, from a file's first bytes; undefined for the others. */
export function uploadFormatOf(path: string): "wav" | "ogg-opus" | undefined {
  const head = new Uint8Array(readFileSync(path).subarray(0, 512));
  const format = sniffFormat(head);
  return format === "wav" || format === "ogg-opus" ? format : undefined;
}

/** Decoded duration of an audio file, in ms. */
export async function audioDurationMs(path: string): Promise<number> {
  let samples = 0;
  for await (const chunk of decodeTo16kMono(createReadStream(path))) samples += chunk.length;
  return (samples * 1000) / 16_000;
}

async function callFunction(
  stack: LocalStack,
  user: DemoUser,
  path: string,
  init: { method: string; body?: unknown },
): Promise<Record<string, unknown>> {
  const name = path.split(/[/?]/)[1] as "recordings" | "laughs";
  const url = `${stack.functions[name].url}${path}`;
  const response = await fetch(url, {
    method: init.method,
    headers: { authorization: `Bearer ${user.token}`, "content-type": "application/json" },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (!response.ok)
    throw new Error(`${init.method} ${path} answered ${response.status}: ${JSON.stringify(body)}`);
  return body;
}

export interface UploadInput {
  bytes: Uint8Array;
  format: "wav" | "ogg-opus";
  startedAt: Date;
  durationMs: number;
  source?: string;
}

/** The part of `POST /recordings`' answer an uploader needs. */
const registeredSchema = z.object({
  recordingId: z.string(),
  objectKey: z.string(),
  uploadUrl: z.url(),
  uploadHeaders: z.object({ "content-type": z.string() }),
});

/** Registers a recording, PUTs its bytes to the presigned URL and confirms the upload. */
export async function uploadRecording(
  stack: LocalStack,
  user: DemoUser,
  input: UploadInput,
): Promise<string> {
  const registered = registeredSchema.parse(
    await callFunction(stack, user, "/recordings", {
      method: "POST",
      body: {
        startedAt: input.startedAt.toISOString(),
        endedAt: new Date(input.startedAt.getTime() + Math.ceil(input.durationMs)).toISOString(),
        format: input.format,
        sizeBytes: input.bytes.byteLength,
        source: input.source ?? "demo",
      },
    }),
  );
  // The URL's signature binds content-length (set by fetch from the body) and content-type.
  const put = await fetch(registered.uploadUrl, {
    method: "PUT",
    body: new Blob([input.bytes as Uint8Array<ArrayBuffer>]),
    headers: { "content-type": registered.uploadHeaders["content-type"] },
  });
  if (!put.ok) throw new Error(`upload of ${registered.objectKey} answered ${put.status}`);
  await put.arrayBuffer();
  await callFunction(stack, user, `/recordings/${registered.recordingId}/uploaded`, {
    method: "POST",
    body: {},
  });
  return registered.recordingId;
}

export interface NightResult {
  daysSwept: number;
  jobsEnqueued: number;
  jobs: Record<string, number>;
  dispatchCalls: number;
  wallMs: number;
}

/**
 * Runs the hourly sweep at `now` (grace 0 by default, so "yesterday" is due at once), then dispatches
 * until no job is queued or processing. Throws after `timeoutMs`.
 */
export async function runNight(
  stack: Pick<LocalStack, "sql" | "dispatch">,
  {
    now = new Date(),
    grace = "0 seconds",
    timeoutMs = 600_000,
    onProgress,
  }: {
    now?: Date;
    grace?: string;
    timeoutMs?: number;
    onProgress?: (jobs: Record<string, number>) => void;
  } = {},
): Promise<NightResult> {
  const started = Date.now();
  const [swept] = await stack.sql`select * from queue.sweep(${now}, ${grace}::interval)`;
  let dispatchCalls = 0;
  for (;;) {
    const rows = await stack.sql`select status, count(*)::int as n from queue.jobs group by status`;
    const jobs = Object.fromEntries(rows.map((r) => [r.status as string, r.n as number]));
    onProgress?.(jobs);
    if ((jobs.queued ?? 0) === 0 && (jobs.processing ?? 0) === 0) {
      return {
        daysSwept: swept.days_swept,
        jobsEnqueued: swept.jobs_enqueued,
        jobs,
        dispatchCalls,
        wallMs: Date.now() - started,
      };
    }
    if (Date.now() - started > timeoutMs)
      throw new Error(`the night did not settle in ${timeoutMs} ms: ${JSON.stringify(jobs)}`);
    if ((jobs.queued ?? 0) > 0) {
      await stack.dispatch();
      dispatchCalls++;
    }
    // The pg_cron reaper returns expired leases every minute; do it here too so a killed node's jobs
    // come back without waiting for the next minute.
    await stack.sql`select queue.reap_expired_leases()`;
    await new Promise((r) => setTimeout(r, 500));
  }
}

const laughRowSchema = z.object({
  startsAt: z.string(),
  endsAt: z.string(),
  localTime: z.string(),
  durationMs: z.number(),
  peakProbability: z.number(),
  className: z.string(),
  meanProbability: z.number(),
  /** Presigned GET of the clip (null when the event has no clip). */
  clipUrl: z.string().nullable(),
});
export type LaughRow = z.infer<typeof laughRowSchema>;

/** What `GET /laughs?date=` answers (the fields the demo and tests read; others pass through unchecked). */
const laughsAnswerSchema = z.object({
  events: z.array(laughRowSchema),
  summary: z.record(z.string(), z.number()),
  timeZone: z.string(),
});

/** The user's laughs for a local date, through the `laughs` function (RLS, signed clip URLs). */
export async function fetchLaughs(
  stack: LocalStack,
  user: DemoUser,
  date: string,
): Promise<z.infer<typeof laughsAnswerSchema>> {
  const body = await callFunction(stack, user, `/laughs?date=${date}`, { method: "GET" });
  return laughsAnswerSchema.parse(body);
}
