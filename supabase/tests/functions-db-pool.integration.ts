/**
 * The functions' database connections (issue 12, item 8): the transaction pooler's URL from the
 * `DB_POOLER_URL` secret wins over the platform's direct `SUPABASE_DB_URL`, an isolate opens at most
 * `DB_MAX_CONNECTIONS` (1–2), and a bad setting stops the function at boot naming the variable.
 */
import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningAuthServer } from "../../test/harness/auth-server.ts";
import { startTestDatabase, type TestDatabase } from "../../test/harness/database.ts";
import { denoBinary, startDenoServer } from "../../test/harness/deno.ts";
import { type S3Endpoint, startS3 } from "../../test/harness/s3.ts";
import { createUser, pauseCron } from "./fixtures.ts";
import { authEnv, FUNCTIONS_CONFIG, startTestAuth, storageEnv, userToken } from "./functions-helpers.ts";

const LAUGHS = "supabase/functions/laughs/index.ts";
/** Nothing listens there: a function that used it could not answer. */
const DEAD_DIRECT_URL = "postgres://postgres@127.0.0.1:1/postgres";

let db: TestDatabase;
let s3: S3Endpoint;
let auth: RunningAuthServer;
beforeAll(async () => {
  [db, s3] = await Promise.all([startTestDatabase(), startS3()]);
  await pauseCron(db.sql);
  auth = await startTestAuth(db.sql);
});
afterAll(async () => {
  await auth?.close();
  await s3?.stop();
  await db?.stop();
});

describe("DB_POOLER_URL and DB_MAX_CONNECTIONS", () => {
  it("uses the pooler URL, never more than DB_MAX_CONNECTIONS connections per isolate", async () => {
    const userId = await createUser(db.sql, "Europe/Paris");
    const token = await userToken(userId);
    for (const max of [1, 2]) {
      const fn = await startDenoServer(LAUGHS, {
        config: FUNCTIONS_CONFIG,
        env: {
          SUPABASE_DB_URL: DEAD_DIRECT_URL,
          DB_POOLER_URL: db.url,
          DB_MAX_CONNECTIONS: String(max),
          ...authEnv(auth),
          ...storageEnv(s3),
        },
      });
      try {
        const statuses = await Promise.all(
          Array.from({ length: 12 }, async () => {
            const response = await fetch(`${fn.url}/laughs?date=2026-11-21`, {
              headers: { authorization: `Bearer ${token}` },
            });
            await response.body?.cancel();
            return response.status;
          }),
        );
        expect(statuses).toEqual(Array(12).fill(200));
        const [{ n }] = await db.sql`
          select count(*)::int as n from pg_stat_activity where application_name = 'giggles-laughs'`;
        expect(n).toBeGreaterThanOrEqual(1);
        expect(n).toBeLessThanOrEqual(max);
      } finally {
        await fn.stop();
      }
    }
  });

  it.each([
    ["DB_MAX_CONNECTIONS", { DB_MAX_CONNECTIONS: "4" }],
    ["DB_MAX_CONNECTIONS", { DB_MAX_CONNECTIONS: "0" }],
    [
      "DB_POOLER_URL",
      { DB_POOLER_URL: "postgres://postgres.abc:pw@aws-0-eu-central-1.pooler.supabase.com:5432/postgres" },
    ],
    ["DB_POOLER_URL", { DB_POOLER_URL: "https://example.com" }],
  ])("refuses to boot with a bad %s", (variable, env) => {
    const result = spawnSync(
      denoBinary(),
      ["run", "--quiet", "--config", FUNCTIONS_CONFIG, "--allow-all", LAUGHS],
      {
        encoding: "utf8",
        timeout: 60_000,
        env: {
          ...process.env,
          NO_COLOR: "1",
          PORT: "1",
          SUPABASE_DB_URL: db.url,
          ...authEnv(auth),
          ...storageEnv(s3),
          ...env,
        },
      },
    );
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain(`${variable}:`);
  });
});
