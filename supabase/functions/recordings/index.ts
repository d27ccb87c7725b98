/**
 * `recordings` Edge Function: registers a user's recording, hands out a presigned upload URL, and
 * confirms the upload. Configuration is parsed and the database client created once per isolate; see
 * app.ts for the API and supabase/README.md ("Edge Functions") for the variables.
 */
import { createSql } from "../_shared/db.ts";
import { serveApp } from "../_shared/serve.ts";
import { createUserVerifier } from "../_shared/user-auth.ts";
import { createRecordingsApp } from "./app.ts";
import { loadRecordingsConfig } from "./config.ts";

const config = loadRecordingsConfig();
const sql = createSql(config, "recordings");
const verifyUser = createUserVerifier({
  supabaseUrl: config.SUPABASE_URL,
  anonKey: config.SUPABASE_ANON_KEY,
  issuer: config.GIGGLES_AUTH_ISSUER,
});
serveApp(createRecordingsApp({ config, sql, verifyUser }));
