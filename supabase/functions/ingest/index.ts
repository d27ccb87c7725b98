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

const config = loadIngestConfig();
const keyring = await parseKeyring(config.LIMITLESS_KEKS);
const sql = createSql(config, "ingest");
serveApp(createIngestApp({ config, sql, keyring }));
