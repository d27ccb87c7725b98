/**
 * `dispatch` Edge Function: fills the inference nodes with leased jobs when the pg_cron kick calls.
 * Configuration is parsed and the database client created once per isolate; see app.ts for the API and
 * supabase/README.md ("Edge Functions") for the variables.
 */
import { createSql } from "../_shared/db.ts";
import { serveApp } from "../_shared/serve.ts";
import { createDispatchApp } from "./app.ts";
import { loadDispatchConfig } from "./config.ts";

const config = loadDispatchConfig();
const sql = createSql(config, "dispatch");
serveApp(createDispatchApp({ config, sql }));
