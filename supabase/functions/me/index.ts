/**
 * `me` Edge Function: the signed-in user's profile, days, notes, deletions and reprocessing. Configuration
 * is parsed and the database client created once per isolate; see app.ts for the routes and
 * supabase/README.md ("Edge Functions") for the variables.
 */
import { createSql } from "../_shared/db.ts";
import { serveApp } from "../_shared/serve.ts";
import { createUserVerifier } from "../_shared/user-auth.ts";
import { createMeApp } from "./app.ts";
import { loadMeConfig } from "./config.ts";

const config = loadMeConfig();
const sql = createSql(config.SUPABASE_DB_URL);
const verifyUser = createUserVerifier({
  jwtSecret: config.GIGGLES_JWT_SECRET,
  supabaseUrl: config.SUPABASE_URL,
});
serveApp(createMeApp({ config, sql, verifyUser }));
