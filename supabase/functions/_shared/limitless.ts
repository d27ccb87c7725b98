/**
 * @module
 * Settings shared by the two functions that touch Limitless keys (`limitless-key`, `ingest`): the
 * upstream base URL and the KEK keyring. The KEKs are a function secret, never a database value: a dump
 * of the database (or a Vault export) alone can then never yield a user's key.
 *
 * @example
 * ```ts
 * const config = parseEnv(z.object({ ...limitlessEnvShape }));
 * const keyring = await parseKeyring(config.LIMITLESS_KEKS);
 * ```
 */
import { z } from "zod";
import { LIMITLESS_API_URL } from "./generated/limitless/limitless-contract.ts";

export const limitlessEnvShape = {
  /** Upstream base URL; the stand-in's URL locally. */
  LIMITLESS_API_URL: z
    .url({ protocol: /^https?$/, error: "must be an http(s) URL" })
    .optional()
    .transform((value) => value ?? LIMITLESS_API_URL),
  /**
   * `<version>:<base64 of 32 random bytes>[,<version>:<base64>…]`; the highest version seals new keys.
   * Generate one with `openssl rand -base64 32`.
   */
  LIMITLESS_KEKS: z
    .string({ error: "is required (e.g. 1:<base64 of 32 random bytes>)" })
    .regex(/^\s*\d+:[A-Za-z0-9+/=]+(\s*,\s*\d+:[A-Za-z0-9+/=]+)*\s*$/, "must be <version>:<base64>[,…]"),
};
