/**
 * `me` Edge Function: the signed-in user's profile, days, notes, deletions and reprocessing. Configuration
 * is parsed and the database client created once per isolate; see app.ts for the routes and
 * supabase/README.md ("Edge Functions") for the variables.
 */
import { createSql } from "../_shared/db.ts";
import { serveApp } from "../_shared/serve.ts";
import { userVerifierFromConfig } from "../_shared/user-auth.ts";
import { createMeApp } from "./app.ts";
import { loadMeConfig } from "./config.ts";

const config = loadMeConfig();
const sql = createSql(config, "me");
const verifyUser = userVerifierFromConfig(config);
serveApp(createMeApp({ config, sql, verifyUser }));
