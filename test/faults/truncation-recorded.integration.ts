/**
 * Fault suite (issue 10 item 6): a truncated recording's report reaches the database and the recording
 * shows it. Real PostgreSQL 15 with every migration; the report goes through the report function's own
 * applyReport.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CompletedReport } from "../../shared/schemas/job-report.ts";
import { applyReport } from "../../supabase/functions/report/apply-report.ts";
import { createRecording, createUser, pauseCron } from "../../supabase/tests/fixtures.ts";
import { startTestDatabase, type TestDatabase } from "../harness/database.ts";

describe("recordings.decode_warning", () => {
  let db: TestDatabase;
  let userId: string;
  beforeAll(async () => {
    db = await startTestDatabase();
    await pauseCron(db.sql);
    userId = await createUser(db.sql, "Europe/Berlin");
  });
  afterAll(() => db.stop());

  async function claimedJob() {
    const { id } = await createRecording(db.sql, { userId, startedAt: "2026-05-01T10:00:00Z" });
    const [{ job_id }] = await db.sql`select queue.enqueue(${id}) as job_id`;
    const [claim] = await db.sql`select * from queue.claim(1, '5 minutes'::interval, 'fault-node')`;
    expect(Number(claim.job_id)).toBe(Number(job_id));
    return { recordingId: id, jobId: String(job_id), leaseToken: String(claim.lease_token) };
  }

  const stats = {
    audioSeconds: 2.8,
    wallMs: 100,
    realTimeFactor: 0.03,
    peakRssBytes: 1,
    nodeId: "fault-node",
  };

  it("holds the truncation notice of a cut recording, and is null for a whole one", async () => {
    const cut = await claimedJob();
    const applied = await applyReport(db.sql, {
      jobId: cut.jobId,
      leaseToken: cut.leaseToken,
      status: "completed",
      modelVersion: "yamnet-test@1",
      events: [],
      stats,
      truncated: {
        message: "WAV data chunk declares 180480 bytes but the stream ended after 89956",
        byteOffset: 90_000,
      },
    });
    expect(applied, JSON.stringify(applied)).toMatchObject({ ok: true });
    const whole = await claimedJob();
    await applyReport(db.sql, {
      jobId: whole.jobId,
      leaseToken: whole.leaseToken,
      status: "completed",
      modelVersion: "yamnet-test@1",
      events: [],
      stats,
    });
    const rows =
      await db.sql`select id, status, decode_warning from public.recordings where id in ${db.sql([cut.recordingId, whole.recordingId])}`;
    const byId = new Map(rows.map((row) => [row.id, row]));
    expect(byId.get(cut.recordingId)).toMatchObject({
      status: "done",
      decode_warning:
        "truncated at byte 90000: WAV data chunk declares 180480 bytes but the stream ended after 89956",
    });
    expect(byId.get(whole.recordingId)).toMatchObject({ status: "done", decode_warning: null });
  });

  it("tells corrupt from truncated (issue 19 item 7): its own words and decode_warning_kind", async () => {
    const corrupt = await claimedJob();
    const both = await claimedJob();
    const whole = await claimedJob();
    const damage = {
      message: "Ogg Opus: 2499 damaged byte(s) at byte 1073265 were skipped",
      byteOffset: 1_073_265,
      damagedParts: 2,
    };
    const complete = async (
      job: { jobId: string; leaseToken: string },
      notices: Pick<CompletedReport, "truncated" | "corrupt">,
    ) => {
      const applied = await applyReport(db.sql, {
        jobId: job.jobId,
        leaseToken: job.leaseToken,
        status: "completed",
        modelVersion: "yamnet-test@1",
        events: [],
        stats,
        ...notices,
      });
      expect(applied, JSON.stringify(applied)).toMatchObject({ ok: true });
    };
    await complete(corrupt, { corrupt: damage });
    await complete(both, {
      corrupt: damage,
      truncated: { message: "Ogg Opus stream ends inside a page", byteOffset: 2_000_000 },
    });
    await complete(whole, {});
    const rows =
      await db.sql`select id, decode_warning, decode_warning_kind from public.recordings where id in ${db.sql([corrupt.recordingId, both.recordingId, whole.recordingId])}`;
    const byId = new Map(rows.map((row) => [row.id, row]));
    expect(byId.get(corrupt.recordingId)).toMatchObject({
      decode_warning_kind: "corrupt",
      decode_warning: `corrupt at byte 1073265 (2 damaged part(s) skipped): ${damage.message}`,
    });
    expect(byId.get(both.recordingId)).toMatchObject({
      decode_warning_kind: "truncated",
      decode_warning: `truncated at byte 2000000: Ogg Opus stream ends inside a page; corrupt at byte 1073265 (2 damaged part(s) skipped): ${damage.message}`,
    });
    expect(byId.get(whole.recordingId)).toMatchObject({ decode_warning: null, decode_warning_kind: null });
  });
});
