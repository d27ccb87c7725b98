/**
 * @module
 * The id a job carries between the queue, the dispatcher and an inference node.
 *
 * The Postgres queue (`queue.jobs.id`) is a `bigint`, which JSON cannot carry safely as a number
 * (ids above 2^53 would lose precision), so it travels as a string of decimal digits, the form
 * postgres.js returns `int8` in. UUIDs are still accepted so that callers which use them as opaque ids
 * (the node's own tests, other queues) keep working; receivers treat the id as an opaque string.
 *
 * @example
 * ```ts
 * jobIdSchema.parse("42"); // ok: queue.jobs.id
 * jobIdSchema.parse("5b0e5a4c-4a36-4c71-9d1f-0a7c8b2d6a11"); // ok
 * jobIdSchema.parse("0"); // throws: not a positive bigint
 * ```
 */
import { z } from "zod";

/** A positive Postgres `bigint` in decimal, no sign or leading zeros (1 … 9223372036854775807). */
const BIGINT_ID = /^[1-9][0-9]{0,18}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_BIGINT = 9223372036854775807n;

export const jobIdSchema = z
  .string()
  .refine((value) => (BIGINT_ID.test(value) && BigInt(value) <= MAX_BIGINT) || UUID.test(value), {
    message: "must be a positive bigint in decimal (queue.jobs.id) or a UUID",
  });

export type JobId = z.infer<typeof jobIdSchema>;
