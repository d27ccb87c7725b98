// Generated from shared/time/local-date.ts by infra/sync-shared.mjs. DO NOT EDIT: change shared/ and re-run it.
/**
 * @module
 * A local calendar date in a query or body: `YYYY-MM-DD` and a real date (2026-02-30 is refused).
 *
 * @example
 * ```ts
 * const query = z.object({ date: localDateSchema }).safeParse(c.req.query());
 * ```
 */
import { z } from "zod";

export const localDateSchema = z
  .string({ error: "add a date as YYYY-MM-DD" })
  .regex(/^\d{4}-\d{2}-\d{2}$/, "must be YYYY-MM-DD")
  // A real calendar date: 2026-02-30 round-trips to 2026-03-02 and is refused.
  .refine((value) => {
    const parsed = new Date(`${value}T00:00:00Z`);
    return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === value;
  }, "must be a calendar date")
  // PostgreSQL has no year 0 (0000-01-01 used to come back as a 500); no recording predates 2000.
  .refine((value) => value >= "2000-01-01" && value <= "2999-12-31", "must be in the years 2000 to 2999");
