import { describe, expect, it } from "vitest";
import { ApiError, messageOf } from "./api-error.ts";
import { API_ERROR_SENTENCES, failureSentence, failureSentences } from "./messages.ts";

describe("what the page says", () => {
  it("a stored failure reason becomes a sentence by its code; its text (and mojibake) never shows", () => {
    const reason = 'UNDECODABLE_AUDIO: CORRUPT_AUDIO: not a WAV file (starts with "2\u25a1\u00b0_")';
    const sentence = failureSentence(reason);
    expect(sentence).toMatch(/^A recording could not be read as audio/);
    expect(sentence).not.toContain("UNDECODABLE");
    expect(sentence).not.toContain("\u25a1");
    expect(failureSentence("no code at all")).toBe("Processing failed. Reprocessing the day may help.");
    expect(failureSentences(["DEADLINE_EXCEEDED: x", "SHUTTING_DOWN: y", "AUDIO_NOT_FOUND: z"])).toHaveLength(
      2,
    );
    expect(failureSentences([])).toEqual(["Processing failed. Reprocessing the day may help."]);
  });

  it("every API error is a sentence; unknown codes and other errors get a general one, never the code", () => {
    for (const [code, sentence] of Object.entries(API_ERROR_SENTENCES)) {
      expect(sentence, code).toMatch(/^[A-Z"].*[.]$/);
      expect(sentence, code).not.toContain(code);
    }
    expect(new ApiError(400, "INVALID_DATE_RANGE").message).toBe(
      "Pick a start date on or before the end date, at most 366 days apart.",
    );
    expect(new ApiError(418, "SOMETHING_NEW").message).not.toContain("SOMETHING_NEW");
    expect(messageOf(new TypeError("expected { apiKey }"))).not.toContain("apiKey");
  });
});
