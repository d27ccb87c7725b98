/**
 * `laughs` Edge Function: a user's laughs for one local day, read under RLS. Configuration is parsed
 * and the database client created once per isolate; see app.ts for the API and supabase/README.md
 * ("Edge Functions") for the variables.
 */
import { createSql } from "../_shared/db.ts";
import { serveApp } from "../_shared/serve.ts";
import { userVerifierFromConfig } from "../_shared/user-auth.ts";
import { createLaughsApp } from "./app.ts";
import { loadLaughsConfig } from "./config.ts";

const config = loadLaughsConfig();
const sql = createSql(config, "laughs");
const verifyUser = userVerifierFromConfig(config);
serveApp(createLaughsApp({ config, sql, verifyUser }));
