/**
 * A night from key to laughs through the Limitless stand-in, on the whole local stack: two users store
 * their keys through `limitless-key`; the planner cuts their finished local day into ≤ 2 h windows; the
 * ingest function downloads them (one 404-then-200 window, a 5xx burst, a 429 with Retry-After, a window
 * that stays 5xx until dead-lettered, a key revoked mid-night and replaced); detection runs on what
 * arrived; the laughs come back through `laughs`. Every window ends downloaded / no_audio / failed, none
 * is lost, none is downloaded twice, and a dump of the database holds no plaintext key.
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ingestUntilSettled,
  limitlessKeyStatus,
  storeLimitlessKey,
  type WindowState,
  windowStates,
} from "../../infra/local/limitless-night.ts";
import { type LocalStack, startLocalStack } from "../../infra/local/local-stack.ts";
import { createUser, type DemoUser, fetchLaughs, runNight } from "../../infra/local/nightly-cycle.ts";
import { addDays, localDateOf } from "../../shared/time/zoned-time.ts";
import type { LimitlessAnswer } from "../harness/limitless-server.ts";
import { ensurePostgresBinaries } from "../harness/postgres-binaries.ts";
import { DEV_AUDIO_DIR } from "../harness/shared-assets.ts";
import { windowOggOpus } from "../harness/window-audio.ts";

let stack: LocalStack;
let ana: DemoUser;
let ravi: DemoUser;
const now = new Date();
const keys = {
  ana: `sk-ana-${crypto.randomUUID()}`,
  ravi: `sk-ravi-${crypto.randomUUID()}`,
  ravi2: `sk-ravi2-${crypto.randomUUID()}`,
};
/** Programmed answers per user and window start (ms); shared by a user's old and new key. */
const plans = new Map<string, Map<number, LimitlessAnswer[]>>();

// Laughs the head finds through Opus 24 kbit/s (laugh_040 no longer does since issue 18's stricter head).
const audio = (...files: string[]) => windowOggOpus(files.map((f) => join(DEV_AUDIO_DIR, f)));

function answerFor(userId: string) {
  return (startMs: number): LimitlessAnswer => plans.get(userId)?.get(startMs)?.shift() ?? { status: 404 };
}

function program(user: DemoUser, window: WindowState, answers: LimitlessAnswer[]) {
  const mine = plans.get(user.id) ?? new Map<number, LimitlessAnswer[]>();
  mine.set(window.starts_at.getTime(), answers);
  plans.set(user.id, mine);
}

beforeAll(async () => {
  stack = await startLocalStack({
    cron: false,
    log: () => {},
  });
  // Yesterday only, due at once; three attempts 1 s apart before a window is dead-lettered; the windows'
  // few seconds of audio count as whole (short windows asked again: functions-ingest.integration.ts).
  await stack.sql`update queue.ingest_settings set backfill_days = 1, day_grace = '0 seconds', max_attempts = 3,
                    backoff_base = '1 second', backoff_max = '1 second', full_audio_ratio = 0`;
  ana = await createUser(stack, "Ana", "America/Los_Angeles");
  ravi = await createUser(stack, "Ravi", "Asia/Kolkata");
  for (const key of Object.values(keys)) stack.limitless.addKey(key);
  stack.limitless.setDefault(keys.ana, answerFor(ana.id));
  stack.limitless.setDefault(keys.ravi, answerFor(ravi.id));
  stack.limitless.setDefault(keys.ravi2, answerFor(ravi.id));
}, 300_000);

afterAll(async () => {
  await stack?.stop();
});

describe("a Limitless night", () => {
  it("stores both keys (planning yesterday's windows) and downloads what is there", async () => {
    expect(await storeLimitlessKey(stack, ana, keys.ana)).toBe(12);
    expect(await storeLimitlessKey(stack, ravi, keys.ravi)).toBe(12);
    const anaWindows = await windowStates(stack, ana.id);
    const raviWindows = await windowStates(stack, ravi.id);
    program(ana, anaWindows[4], [{ audio: await audio("laugh_025.wav", "laugh_021.wav") }]);
    program(ana, anaWindows[5], [{ status: 404 }, { audio: await audio("laugh_059.wav") }]);
    program(ana, anaWindows[6], [{ status: 503 }, { status: 502 }, { audio: await audio("laugh_053.wav") }]);
    program(ana, anaWindows[7], [{ status: 429, retryAfter: "1" }, { audio: await audio("laugh_021.wav") }]);
    program(ravi, raviWindows[3], [{ audio: await audio("laugh_021.wav") }]);
    program(
      ravi,
      raviWindows[8],
      Array.from({ length: 10 }, () => ({ status: 503 })),
    );
    // Ravi revokes his key in the Limitless app: from this window on, upstream answers 401.
    program(ravi, raviWindows[9], [{ status: 401 }, { audio: await audio("laugh_059.wav") }]);

    const first = await ingestUntilSettled(stack);
    expect(first.rateLimited).toBeGreaterThanOrEqual(1);
    expect(first.keyInvalid).toBeGreaterThanOrEqual(1);
    stack.limitless.revokeKey(keys.ravi);

    const anaStates = (await windowStates(stack, ana.id)).map((w) => w.state);
    expect(anaStates[4]).toBe("downloaded");
    expect(anaStates[5]).toBe("no_audio");
    expect(anaStates[6]).toBe("downloaded");
    expect(anaStates[7]).toBe("downloaded");
    const status = await limitlessKeyStatus(stack, ravi);
    expect(status).toMatchObject({ status: "invalid", invalidSince: expect.any(String) });
    // His unfinished windows wait with their attempts intact (the 401 gave its attempt back).
    const waiting = (await windowStates(stack, ravi.id)).filter((w) => w.state === "pending");
    expect(waiting.length).toBeGreaterThanOrEqual(1);
    expect(waiting.find((w) => w.window_id === raviWindows[9].window_id)?.attempts).toBe(0);
  });

  it("a new key resumes the waiting windows; a later sweep re-checks the 404 window and finds its audio", async () => {
    await storeLimitlessKey(stack, ravi, keys.ravi2);
    await ingestUntilSettled(stack);
    // An hour later (the next sweep): pretend the last check was an hour ago rather than move the clock,
    // which near local midnight would also finish today.
    await stack.sql`update queue.ingest_windows set last_checked_at = last_checked_at - interval '1 hour'`;
    const [planned] = await stack.sql`select * from queue.plan_ingest()`;
    expect(planned.no_audio_requeued).toBeGreaterThanOrEqual(1);
    await ingestUntilSettled(stack);

    const all = await windowStates(stack);
    expect(all).toHaveLength(24);
    expect(new Set(all.map((w) => w.state))).toEqual(new Set(["downloaded", "no_audio", "failed"]));
    const anaStates = all.filter((w) => w.user_id === ana.id).map((w) => w.state);
    const raviAll = all.filter((w) => w.user_id === ravi.id);
    expect(anaStates.filter((s) => s === "downloaded")).toHaveLength(4);
    expect(anaStates[5]).toBe("downloaded");
    expect(raviAll.filter((w) => w.state === "downloaded")).toHaveLength(2);
    expect(raviAll[9].state).toBe("downloaded");
    const failed = all.filter((w) => w.state === "failed");
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ user_id: ravi.id, attempts: 3, last_error: "UPSTREAM_5XX: HTTP 503" });
    expect((await limitlessKeyStatus(stack, ravi)).status).toBe("valid");
    for (const [window, count] of stack.limitless.downloadsByWindow()) expect(count, window).toBe(1);
  });

  it("detection runs on the downloaded windows and the laughs come back through the laughs function", async () => {
    const night = await runNight(stack, { now: new Date(Math.max(now.getTime(), Date.now())) });
    expect(night.jobs.queued ?? 0).toBe(0);
    const recordings = await stack.sql`
      select status, source, count(*)::int as n from public.recordings group by 1, 2`;
    expect(recordings).toEqual([{ status: "done", source: "limitless", n: 6 }]);
    for (const user of [ana, ravi]) {
      const yesterday = addDays(localDateOf(now, user.timeZone), -1);
      const { events } = await fetchLaughs(stack, user, yesterday);
      expect(events.length, user.name).toBeGreaterThanOrEqual(user === ana ? 4 : 2);
    }
  });

  it("the database holds no plaintext key", () => {
    const bins = ensurePostgresBinaries();
    const dump = execFileSync(join(bins.binDir, "pg_dump"), ["--data-only", "--inserts", stack.db.url], {
      maxBuffer: 256 * 1024 * 1024,
      encoding: "utf8",
    });
    expect(dump).toContain("limitless_keys");
    for (const key of Object.values(keys)) expect(dump).not.toContain(key.slice(-24));
  });
});
