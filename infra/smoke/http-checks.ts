/**
 * @module
 * The smoke checks over HTTP: the Edge Functions answer at their URLs, the Management API lists them as
 * deployed and the secrets as set, and each inference node is ready. Only GETs and unauthenticated POSTs
 * (which every giggles function refuses with 401 before doing anything), so nothing changes.
 */
import { z } from "zod";
import type { CheckResult } from "./smoke-report.ts";

/** The Edge Functions giggles deploys (`supabase/functions/<name>/`). */
export const FUNCTION_NAMES = Object.freeze([
  "dispatch",
  "ingest",
  "laughs",
  "limitless-key",
  "me",
  "recordings",
  "report",
]);

/**
 * Function secrets that have no default (see supabase/README.md, "Edge Functions"). `SUPABASE_*` ones are
 * set by the platform and not listed.
 */
export const REQUIRED_SECRETS = Object.freeze([
  "STORAGE_S3_ENDPOINT",
  "STORAGE_S3_REGION",
  "STORAGE_S3_ACCESS_KEY_ID",
  "STORAGE_S3_SECRET_ACCESS_KEY",
  "DISPATCH_TOKEN",
  "INFER_SIGNING_SECRET",
  "REPORT_SIGNING_SECRET",
  "INFERENCE_NODE_URLS",
  "REPORT_URL",
  "INGEST_TOKEN",
  "LIMITLESS_KEKS",
  // Optional to the functions (they fall back to the direct SUPABASE_DB_URL, as locally), but a project
  // without it runs every isolate on direct connections (supabase/README.md, step 4).
  "DB_POOLER_URL",
]);

const REQUEST_TIMEOUT_MS = 15_000;

/** `fetch failed` says little; its cause says why (ECONNREFUSED, ENOTFOUND, a TLS error…). */
export function describeFetchError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause;
  if (cause instanceof Error) {
    const code = "code" in cause && typeof cause.code === "string" ? `${cause.code}: ` : "";
    return `${error.message} (${code}${cause.message})`;
  }
  return error.message;
}

/** `GET /v1/projects/{ref}/functions` of the Management API (fields we read; others pass). */
export const managementFunctionsSchema = z.array(
  z.looseObject({ slug: z.string(), status: z.string(), version: z.number().optional() }),
);
/** `GET /v1/projects/{ref}/secrets`: names and a digest of each value, never the value. */
export const managementSecretsSchema = z.array(z.looseObject({ name: z.string() }));

/** Compares the Management API's function list with {@link FUNCTION_NAMES}. */
export function functionsResult(listed: z.infer<typeof managementFunctionsSchema>): CheckResult {
  const bySlug = new Map(listed.map((fn) => [fn.slug, fn]));
  const details: string[] = [];
  let active = 0;
  for (const name of FUNCTION_NAMES) {
    const fn = bySlug.get(name);
    if (fn === undefined) details.push(`${name}: not deployed`);
    else {
      if (fn.status === "ACTIVE") active++;
      details.push(`${name}: ${fn.status}${fn.version === undefined ? "" : `, version ${fn.version}`}`);
    }
  }
  return {
    name: "functions deployed",
    status: active === FUNCTION_NAMES.length ? "pass" : "fail",
    summary: `${active} of ${FUNCTION_NAMES.length} active`,
    details,
  };
}

/** Compares the Management API's secret names with {@link REQUIRED_SECRETS}. */
export function secretsResult(listed: z.infer<typeof managementSecretsSchema>): CheckResult {
  const names = new Set(listed.map((secret) => secret.name));
  const missing = REQUIRED_SECRETS.filter((name) => !names.has(name));
  return {
    name: "function secrets",
    status: missing.length === 0 ? "pass" : "fail",
    summary: `${REQUIRED_SECRETS.length - missing.length} of ${REQUIRED_SECRETS.length} required secrets set`,
    details: missing.map((name) => `missing: ${name}`),
  };
}

/** GETs a Management API path with a personal access token and validates the JSON with `schema`. */
export async function managementGet<S extends z.ZodType>(
  path: string,
  accessToken: string,
  schema: S,
  apiUrl = "https://api.supabase.com",
): Promise<z.infer<S>> {
  const response = await fetch(new URL(path, apiUrl), {
    headers: { authorization: `Bearer ${accessToken}`, accept: "application/json" },
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  if (!response.ok) throw new Error(`Management API ${path}: HTTP ${response.status}`);
  const parsed = schema.safeParse(await response.json());
  if (!parsed.success) throw new Error(`Management API ${path}: unexpected answer: ${parsed.error.message}`);
  return parsed.data;
}

/**
 * Each function answers an unauthenticated POST with 401 (ours refuse without a token or signature; the
 * platform's JWT check refuses too). A 404 means it is not deployed at that URL, a 5xx that it crashes at
 * boot (e.g. a missing secret).
 */
export async function checkFunctionsAnswer(
  urls: readonly { name: string; url: string }[],
): Promise<CheckResult> {
  const details: string[] = [];
  let ok = true;
  for (const { name, url } of urls) {
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "{}",
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      await response.body?.cancel();
      if (response.status !== 401) ok = false;
      const meaning =
        response.status === 401
          ? "refuses unauthenticated calls, as it should"
          : response.status === 404
            ? "not found: not deployed here"
            : response.status >= 500
              ? "server error: check the function's logs and secrets"
              : "expected 401";
      details.push(`${name}: HTTP ${response.status}, ${meaning}`);
    } catch (error) {
      ok = false;
      details.push(`${name}: ${describeFetchError(error)} at ${url}`);
    }
  }
  return {
    name: "functions answer",
    status: ok ? "pass" : "fail",
    summary: ok
      ? `${urls.length} of ${urls.length} answer 401 without credentials`
      : "some functions do not answer",
    details,
  };
}

const readyzSchema = z.looseObject({
  ready: z.boolean(),
  modelVersion: z.string().optional(),
  capacity: z.looseObject({ free: z.number() }).optional(),
  reasons: z.array(z.string()).optional(),
});

/** `GET <node>/readyz` answers 200 `{"ready": true, …}` on every node. */
export async function checkNodesReady(nodeUrls: readonly string[]): Promise<CheckResult> {
  const name = "inference nodes";
  if (nodeUrls.length === 0) {
    return {
      name,
      status: "skip",
      summary: "no --node <url> given (the INFERENCE_NODE_URLS secret is not readable)",
    };
  }
  const details: string[] = [];
  let ready = 0;
  for (const nodeUrl of nodeUrls) {
    const url = new URL("readyz", nodeUrl.endsWith("/") ? nodeUrl : `${nodeUrl}/`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
      const parsed = readyzSchema.safeParse(await response.json().catch(() => undefined));
      if (!parsed.success) {
        details.push(`${nodeUrl}: HTTP ${response.status}, not a giggles /readyz answer`);
        continue;
      }
      const body = parsed.data;
      if (response.status === 200 && body.ready) ready++;
      const state = body.ready
        ? "ready"
        : `not ready (${(body.reasons ?? []).join(", ") || "no reason given"})`;
      const free = body.capacity === undefined ? "" : `, ${body.capacity.free} free`;
      details.push(`${nodeUrl}: HTTP ${response.status}, ${state}, model ${body.modelVersion ?? "?"}${free}`);
    } catch (error) {
      details.push(`${nodeUrl}: ${describeFetchError(error)}`);
    }
  }
  return {
    name,
    status: ready === nodeUrls.length ? "pass" : "fail",
    summary: `${ready} of ${nodeUrls.length} ready`,
    details,
  };
}
