/**
 * `recordings` Edge Function: registers a user's recording, hands out a presigned upload URL, and
 * confirms the upload. Configuration is parsed and the database client created once per isolate; see
 * app.ts for the API and supabase/README.md ("Edge Functions") for the variables.
 */
import { createSql } from "../_shared/db.ts";
import { serveApp } from "../_shared/serve.ts";
import { userVerifierFromConfig } from "../_shared/user-auth.ts";
import { createRecordingsApp } from "./app.ts";
import { loadRecordingsConfig } from "./config.ts";

const config = loadRecordingsConfig();
const sql = createSql(config, "recordings");
const verifyUser = userVerifierFromConfig(config);
serveApp(createRecordingsApp({ config, sql, verifyUser }));
