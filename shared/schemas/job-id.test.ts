import { describe, expect, it } from "vitest";
import { jobIdSchema } from "./job-id.ts";

describe("jobIdSchema", () => {
  it.each(["1", "42", "9223372036854775807", "5b0e5a4c-4a36-4c71-9d1f-0a7c8b2d6a11"])("accepts %s", (id) => {
    expect(jobIdSchema.parse(id)).toBe(id);
  });

  it.each(["", "0", "-1", "042", "1.5", "1e9", " 1", "9223372036854775808", "job-1"])("rejects %j", (id) => {
    expect(jobIdSchema.safeParse(id).success).toBe(false);
  });
});
