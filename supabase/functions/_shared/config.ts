/**
 * @module
 * Environment parsing for Edge Functions: one zod schema per function, parsed once per isolate at boot
 * (module top level), failing with the names of the bad variables. A value that is present but
 * malformed is an error, never silently replaced by its default (STYLE.md rule 3).
 *
 * Names must not start with `SUPABASE_` (the CLI refuses to set such secrets) except the
 * platform-provided `SUPABASE_DB_URL`, `SUPABASE_URL` and `SUPABASE_ANON_KEY`.
 *
 * @example
 * ```ts
 * const config = parseEnv(z.object({ LEASE_SECONDS: intVar(900, { min: 60 }) }));
 * ```
 */
import { z } from "zod";

/** Thrown at boot when the environment is wrong; the message lists every bad variable. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

/** Parses `env` (default: the process environment) with `schema`, or throws a {@link ConfigError}. */
export function parseEnv<S extends z.ZodType>(
  schema: S,
  env: Record<string, string | undefined> = Deno.env.toObject(),
): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${issue.path.join(".") || "(env)"}: ${issue.message}`);
  throw new ConfigError(`invalid function configuration; fix these variables: ${problems.join("; ")}`);
}

/** A whole number with a default for when the variable is unset (not when it is malformed). */
export function intVar(defaultValue: number, { min = 0, max = Number.MAX_SAFE_INTEGER } = {}) {
  return z
    .string()
    .regex(/^\d+$/, "must be a whole number")
    .transform(Number)
    .pipe(z.number().int().min(min).max(max))
    .optional()
    .transform((value) => value ?? defaultValue);
}

/** A required secret of at least `minLength` characters. */
export function secretVar(minLength = 16) {
  return z.string({ error: "is required" }).min(minLength, `must be at least ${minLength} characters`);
}

/** A required http(s) URL. */
export function urlVar() {
  return z.url({ protocol: /^https?$/, error: "must be an http(s) URL" });
}

/** A Postgres connection string (the platform sets SUPABASE_DB_URL). */
export const dbUrlVar = z
  .string({ error: "is required (the platform sets it; locally point it at the database)" })
  .regex(/^postgres(ql)?:\/\//, "must be a postgres:// URL");
