/**
 * `ingest` Edge Function: downloads Limitless windows into the recordings bucket when the pg_cron kick
 * calls, and deletes raw audio past its retention. Configuration, the KEK keyring and the database
 * client are set up once per isolate; see app.ts for the API and supabase/README.md ("Limitless
 * ingestion") for the variables.
 */
import { createSql } from "../_shared/db.ts";
import { parseKeyring } from "../_shared/generated/limitless/api-key-crypto.ts";
import { serveApp } from "../_shared/serve.ts";
import { createIngestApp } from "./app.ts";
import { loadIngestConfig } from "./config.ts";

/** The Supabase Edge Runtime's global (absent under plain Deno). */
declare const EdgeRuntime: { waitUntil(work: Promise<unknown>): void } | undefined;

const config = loadIngestConfig();
const keyring = await parseKeyring(config.LIMITLESS_KEKS);
const sql = createSql(config.SUPABASE_DB_URL, { max: config.INGEST_CONCURRENCY + 2 });
const edgeRuntime = typeof EdgeRuntime === "undefined" ? undefined : EdgeRuntime;
serveApp(
  createIngestApp({
    config,
    sql,
    keyring,
    ...(edgeRuntime === undefined ? {} : { waitUntil: (work) => edgeRuntime.waitUntil(work) }),
  }),
);
