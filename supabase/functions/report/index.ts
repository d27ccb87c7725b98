/**
 * `report` Edge Function: receives the inference nodes' signed job reports and completes or fails the
 * jobs. Configuration is parsed and the database client created once per isolate; see app.ts for the
 * API and supabase/README.md ("Edge Functions") for the variables.
 */
import { createSql } from "../_shared/db.ts";
import { serveApp } from "../_shared/serve.ts";
import { createReportApp } from "./app.ts";
import { loadReportConfig } from "./config.ts";

const config = loadReportConfig();
const sql = createSql(config, "report");
serveApp(createReportApp({ config, sql }));
