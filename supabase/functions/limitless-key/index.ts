/**
 * `limitless-key` Edge Function: a user stores, checks and removes their Limitless API key. The KEK
 * keyring is parsed and the database client created once per isolate; see app.ts for the API and
 * supabase/README.md ("Limitless ingestion") for the variables.
 */
import { createSql } from "../_shared/db.ts";
import { parseKeyring } from "../_shared/generated/limitless/api-key-crypto.ts";
import { serveApp } from "../_shared/serve.ts";
import { userVerifierFromConfig } from "../_shared/user-auth.ts";
import { createLimitlessKeyApp } from "./app.ts";
import { loadLimitlessKeyConfig } from "./config.ts";

const config = loadLimitlessKeyConfig();
const keyring = await parseKeyring(config.LIMITLESS_KEKS);
const sql = createSql(config, "limitless-key");
const verifyUser = userVerifierFromConfig(config);
serveApp(createLimitlessKeyApp({ config, sql, keyring, verifyUser }));
