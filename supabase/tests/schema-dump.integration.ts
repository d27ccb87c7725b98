import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dumpSchema, SCHEMA_DUMP_PATH } from "../../infra/schema-dump.ts";
import { startTestDatabase, type TestDatabase } from "../../test/harness/database.ts";

describe("supabase/schema.sql", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await startTestDatabase();
  });
  afterAll(() => db.stop());

  // The committed dump is what reviewers read; a migration that changes the schema must update it
  // (`npm run schema:dump`) in the same commit, so the change is visible in the diff.
  it("is what the migrations produce", () => {
    expect(dumpSchema(db.url), "supabase/schema.sql is stale: run `npm run schema:dump`").toBe(
      readFileSync(SCHEMA_DUMP_PATH, "utf8"),
    );
  });
});
