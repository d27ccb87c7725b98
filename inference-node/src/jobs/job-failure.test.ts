import { describe, expect, it } from "vitest";
import { AudioDecodeError } from "../audio/audio-decode-error.ts";
import { classifyFailure, JobAborted, JobFailure } from "./job-failure.ts";

describe("classifyFailure", () => {
  it("AudioDecodeError → permanent UNDECODABLE_AUDIO, with its code in the message", () => {
    const failure = classifyFailure(new AudioDecodeError("CORRUPT_AUDIO", "bad RIFF chunk"));
    expect(failure).toMatchObject({
      reason: "UNDECODABLE_AUDIO",
      retryable: false,
      message: "CORRUPT_AUDIO: bad RIFF chunk",
    });
  });

  it("matches AudioDecodeError by name (a copy from another module instance counts)", () => {
    const lookalike = Object.assign(new Error("nope"), { name: "AudioDecodeError" });
    expect(classifyFailure(lookalike)).toMatchObject({ reason: "UNDECODABLE_AUDIO", retryable: false });
  });

  it("keeps our own failure even when something wrapped it in a decode error", () => {
    const network = new JobFailure("AUDIO_FETCH_FAILED", true, "socket hang up");
    const wrapped = new AudioDecodeError("TRUNCATED_AUDIO", "input ended", { cause: network });
    expect(classifyFailure(wrapped)).toBe(network);
  });

  it("an aborted signal's JobAborted reason decides, whatever was thrown", () => {
    const controller = new AbortController();
    controller.abort(new JobAborted("SHUTTING_DOWN"));
    expect(classifyFailure(new Error("AbortError"), controller.signal)).toMatchObject({
      reason: "SHUTTING_DOWN",
      retryable: true,
    });
  });

  it("anything else → permanent ENGINE_FAILED at the first attempt, message truncated (issue 10 item 3)", () => {
    const failure = classifyFailure(new TypeError("x".repeat(2_000)));
    expect(failure).toMatchObject({ reason: "ENGINE_FAILED", retryable: false });
    expect(failure.message).toMatch(/^TypeError: x/);
    expect(failure.message.length).toBeLessThanOrEqual(500);
  });

  it("a dead inference worker → retryable INTERNAL", () => {
    const lost = Object.assign(new Error("inference worker exited with code 134"), {
      name: "InferenceWorkerLostError",
    });
    expect(classifyFailure(new Error("batch failed", { cause: lost }))).toMatchObject({
      reason: "INTERNAL",
      retryable: true,
    });
  });
});
