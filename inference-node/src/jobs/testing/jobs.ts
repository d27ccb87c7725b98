import type { InferJob } from "../../../../shared/schemas/infer-request.ts";

/** A valid job pointing at `audioUrl`, due in an hour. */
export function makeJob(overrides: Partial<InferJob> = {}): InferJob {
  return {
    jobId: crypto.randomUUID(),
    leaseToken: crypto.randomUUID(),
    audioUrl: "http://127.0.0.1:9/recording.wav",
    recordingStartedAt: "2026-11-27T08:00:00Z",
    format: "auto",
    clipKeyPrefix: "user-1/rec-1/",
    callbackUrl: "http://127.0.0.1:9/report",
    deadline: new Date(Date.now() + 3_600_000).toISOString(),
    ...overrides,
  };
}
