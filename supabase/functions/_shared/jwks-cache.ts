/**
 * @module
 * The project's public signing keys (`GET ${SUPABASE_URL}/auth/v1/.well-known/jwks.json`), cached per
 * isolate, with refreshes bounded so that forged tokens cannot turn into requests to Supabase Auth:
 *
 * - a key is trusted for `ttlMs` after the fetch that listed it (a key revoked from the JWKS stops
 *   verifying within that time);
 * - a `kid` the cached set does not list triggers a refresh at most once per `minRefreshIntervalMs`, however
 *   many tokens carry unknown `kid`s (issue 21: each forged token with a random `kid` used to cost a JWKS
 *   re-fetch and a `/user` request); concurrent lookups share one fetch;
 * - a failed fetch is not retried for `minRefreshIntervalMs` either: lookups in that time throw
 *   {@link JwksUnavailableError} (the token may be fine; the caller answers 503).
 *
 * @example
 * ```ts
 * const jwks = createJwksCache({ supabaseUrl, anonKey });
 * const key = await jwks.signingKey(header.kid); // undefined: this project does not publish that kid
 * ```
 */
import { z } from "zod";

/** One public key of the JWKS, as Supabase Auth publishes it (other members are kept for WebCrypto). */
export const publicJwkSchema = z.looseObject({
  kid: z.string().min(1),
  kty: z.string(),
  alg: z.string().optional(),
  crv: z.string().optional(),
  use: z.string().optional(),
  key_ops: z.array(z.string()).optional(),
  ext: z.boolean().optional(),
});
export type PublicJwk = z.infer<typeof publicJwkSchema>;

const jwksSchema = z.object({
  // A key we cannot use (e.g. without a kid) is left out rather than failing the whole set.
  keys: z.array(z.unknown()).transform((keys) =>
    keys.flatMap((key) => {
      const parsed = publicJwkSchema.safeParse(key);
      return parsed.success ? [parsed.data] : [];
    }),
  ),
});

/** The JWKS could not be fetched (network, 5xx, not a JWKS); the token itself may be fine. */
export class JwksUnavailableError extends Error {
  override name = "JwksUnavailableError";
}

export interface JwksCacheOptions {
  supabaseUrl: string;
  anonKey: string;
  /** How long a fetched key set is trusted. Default 10 minutes (auth-js's own JWKS cache time). */
  ttlMs?: number;
  /** Least time between two fetches caused by unknown `kid`s or after a failure. Default 30 s. */
  minRefreshIntervalMs?: number;
  /** Time limit of one fetch. Default 10 s. */
  fetchTimeoutMs?: number;
  /** For tests. */
  fetch?: typeof fetch;
  now?: () => number;
}

export interface JwksCache {
  /** The key with this `kid`, or undefined when the project's JWKS does not list it. */
  signingKey(kid: string): Promise<PublicJwk | undefined>;
}

export function createJwksCache(options: JwksCacheOptions): JwksCache {
  const {
    ttlMs = 10 * 60_000,
    minRefreshIntervalMs = 30_000,
    fetchTimeoutMs = 10_000,
    fetch: fetchFn = fetch,
    now = Date.now,
  } = options;
  const url = new URL("auth/v1/.well-known/jwks.json", options.supabaseUrl.replace(/\/*$/, "/")).href;
  let cached: { keys: PublicJwk[]; fetchedAtMs: number } | undefined;
  let lastAttemptMs = Number.NEGATIVE_INFINITY;
  let lastFailed = false;
  let inFlight: Promise<void> | undefined;

  async function fetchKeys(): Promise<void> {
    lastAttemptMs = now();
    try {
      const response = await fetchFn(url, {
        headers: { apikey: options.anonKey },
        signal: AbortSignal.timeout(fetchTimeoutMs),
      });
      if (!response.ok) {
        await response.body?.cancel();
        throw new JwksUnavailableError(`the project's JWKS answered ${response.status}`);
      }
      const body = jwksSchema.safeParse(await response.json());
      if (!body.success) throw new JwksUnavailableError("the project's JWKS is not a JSON Web Key Set");
      cached = { keys: body.data.keys, fetchedAtMs: lastAttemptMs };
      lastFailed = false;
    } catch (error) {
      lastFailed = true;
      if (error instanceof JwksUnavailableError) throw error;
      throw new JwksUnavailableError("could not fetch the project's JWKS", { cause: error });
    }
  }

  function refresh(): Promise<void> {
    inFlight ??= fetchKeys().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  }

  return {
    async signingKey(kid) {
      if (inFlight !== undefined) await inFlight;
      const nowMs = now();
      const recent = nowMs - lastAttemptMs < minRefreshIntervalMs;
      if (cached !== undefined && nowMs - cached.fetchedAtMs < ttlMs) {
        const key = cached.keys.find((candidate) => candidate.kid === kid);
        // Known, or unknown but the set was refreshed a moment ago: no request to Auth.
        if (key !== undefined || recent) return key;
      } else if (recent && lastFailed) {
        throw new JwksUnavailableError("the project's JWKS could not be fetched a moment ago; try again");
      }
      await refresh();
      return cached?.keys.find((candidate) => candidate.kid === kid);
    },
  };
}
