import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { describe, expect, it } from "vitest";
import { ConfigError, configSchema, parseConfig } from "./config.ts";

const minimal = {
  NODE_ID: "node-1",
  INFER_SIGNING_SECRET: "i".repeat(32),
  REPORT_SIGNING_SECRET: "r".repeat(32),
  CLIPS_S3_ENDPOINT: "https://abc.storage.supabase.co/storage/v1/s3",
  CLIPS_S3_REGION: "eu-central-1",
  CLIPS_S3_ACCESS_KEY_ID: "key",
  CLIPS_S3_SECRET_ACCESS_KEY: "secret",
  CLIPS_BUCKET: "clips",
};

describe("parseConfig", () => {
  it("applies defaults for absent optional keys", () => {
    const config = parseConfig(minimal);
    expect(config).toMatchObject({
      NODE_PORT: 8080,
      NODE_CONCURRENCY: 1,
      // One inference worker per core the process may use (2 on the VPS), not 1 (issue 21).
      NODE_INFERENCE_WORKERS: availableParallelism(),
      // Room 12 a kick: a node at 585× finishes 9.7 one-hour jobs a minute (README "Capacity"; it was 8).
      NODE_MAX_QUEUED_JOBS: 12,
      NODE_MAX_RSS_MB: 768,
    });
    expect(config.NODE_MODEL_PATH).toBeUndefined();
  });

  it("treats empty strings as unset", () => {
    expect(parseConfig({ ...minimal, NODE_PORT: "" }).NODE_PORT).toBe(8080);
  });

  it("names every missing or malformed variable instead of defaulting it", () => {
    const attempt = () =>
      parseConfig({
        ...minimal,
        INFER_SIGNING_SECRET: "short",
        NODE_CONCURRENCY: "two",
        CLIPS_BUCKET: undefined,
      });
    expect(attempt).toThrow(ConfigError);
    try {
      attempt();
    } catch (err) {
      const error = err as ConfigError;
      expect(error.variables.sort()).toEqual(["CLIPS_BUCKET", "INFER_SIGNING_SECRET", "NODE_CONCURRENCY"]);
      expect(error.message).toContain("NODE_CONCURRENCY");
      expect(error.message).not.toContain("short"); // never echo secrets back
    }
  });

  it("coerces numbers", () => {
    expect(
      parseConfig({
        ...minimal,
        NODE_MAX_RSS_MB: "512",
        NODE_INTRA_OP_THREADS: "2",
        NODE_INFERENCE_WORKERS: "3",
      }),
    ).toMatchObject({
      NODE_MAX_RSS_MB: 512,
      NODE_INTRA_OP_THREADS: 2,
      NODE_INFERENCE_WORKERS: 3,
    });
  });

  it("is documented key for key by infra/node.env.example, whose values parse", () => {
    const example = new Map(
      readFileSync("infra/node.env.example", "utf8")
        .split("\n")
        .filter((line) => /^[A-Z0-9_]+=/.test(line))
        .map((line): [string, string] => [
          line.slice(0, line.indexOf("=")),
          line.slice(line.indexOf("=") + 1),
        ]),
    );
    expect([...example.keys()].sort()).toEqual(Object.keys(configSchema.shape).sort());
    // Placeholders filled in, empty secrets taken from `minimal`; everything else must parse as written.
    const filled = Object.fromEntries(
      [...example].map(([key, value]) => [key, value.replace("<project-ref>", "abcdefghij")]),
    );
    const env = {
      ...filled,
      INFER_SIGNING_SECRET: minimal.INFER_SIGNING_SECRET,
      REPORT_SIGNING_SECRET: minimal.REPORT_SIGNING_SECRET,
      CLIPS_S3_ACCESS_KEY_ID: minimal.CLIPS_S3_ACCESS_KEY_ID,
      CLIPS_S3_SECRET_ACCESS_KEY: minimal.CLIPS_S3_SECRET_ACCESS_KEY,
    };
    expect(parseConfig(env).CLIPS_S3_ENDPOINT).toBe("https://abcdefghij.storage.supabase.co/storage/v1/s3");
  });
});

describe("signing secrets", () => {
  it("refuses one secret for both directions", () => {
    const same = "s".repeat(32);
    expect(() =>
      parseConfig({ ...minimal, INFER_SIGNING_SECRET: same, REPORT_SIGNING_SECRET: same }),
    ).toThrow(/REPORT_SIGNING_SECRET: must differ from INFER_SIGNING_SECRET/);
  });
});

describe("operator endpoints", () => {
  it("refuses a non-loopback NODE_HOST without NODE_METRICS_TOKEN", () => {
    expect(() => parseConfig({ ...minimal, NODE_HOST: "0.0.0.0" })).toThrow(/NODE_HOST: listen on loopback/);
    expect(
      parseConfig({ ...minimal, NODE_HOST: "0.0.0.0", NODE_METRICS_TOKEN: "m".repeat(32) }),
    ).toMatchObject({
      NODE_HOST: "0.0.0.0",
    });
    expect(parseConfig({ ...minimal, NODE_HOST: "::1" }).NODE_HOST).toBe("::1");
  });
});
