/**
 * private.is_valid_time_zone (issue 21): answered from a cached copy of pg_timezone_names instead of a scan of
 * the zone directory per call, with the same answers as the scan.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestDatabase, type TestDatabase } from "../../test/harness/database.ts";

/** Strings pg_timezone_names does not list, although some are accepted by `at time zone` (checked below). */
const NOT_ZONE_NAMES = [
  "",
  "Mars/Olympus",
  "utc",
  "europe/paris",
  "Europe/Paris ",
  " UTC",
  "UTC+3",
  "+05",
  "-03:30",
  "PDT",
  "CEST",
  "../../etc/passwd",
  "Europe/",
  "/",
  "A".repeat(300),
];

describe("private.is_valid_time_zone", () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await startTestDatabase();
  });
  afterAll(() => db.stop());

  it("answers like a lookup in pg_timezone_names, for every listed name and for near misses", async () => {
    const listed = (await db.sql`select name from pg_catalog.pg_timezone_names`).map((row) =>
      String(row.name),
    );
    expect(listed.length).toBeGreaterThan(300);
    const names = [...listed, ...NOT_ZONE_NAMES];
    const rows = await db.sql`
      select n.name, private.is_valid_time_zone(n.name) as answer,
        exists (select 1 from pg_catalog.pg_timezone_names t where t.name = n.name) as expected
      from unnest(${names}::text[]) as n (name)`;
    const wrong = rows.filter((row) => row.answer !== row.expected).map((row) => row.name);
    expect(wrong).toEqual([]);
    expect(rows.filter((row) => row.answer).length).toBe(listed.length);
    const [nullAnswer] = await db.sql`select private.is_valid_time_zone(null) as answer`;
    expect(nullAnswer.answer).toBe(false);
  });

  it("answers listed names from its copy, and falls back to the scan for names the copy lacks", async () => {
    const [copy] = await db.sql`
      select (select count(*) from private.time_zone_names)::int as cached,
        (select count(*) from pg_catalog.pg_timezone_names)::int as listed`;
    expect(copy.cached).toBe(copy.listed);
    // A zone added by a later tzdata upgrade is missing from the copy: still valid through the scan.
    // A stale entry the server cannot load is still invalid.
    await db.sql
      .begin(async (sql) => {
        await sql`delete from private.time_zone_names where name = 'Pacific/Chatham'`;
        await sql`insert into private.time_zone_names (name) values ('Mars/Olympus')`;
        const [row] = await sql`
          select private.is_valid_time_zone('Pacific/Chatham') as added,
            private.is_valid_time_zone('Mars/Olympus') as removed`;
        expect(row).toEqual({ added: true, removed: false });
        throw new Error("roll back");
      })
      .catch((error: unknown) => {
        if (!(error instanceof Error) || error.message !== "roll back") throw error;
      });
  });
});
