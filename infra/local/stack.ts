/**
 * `npm run stack [-- --keep] [--port N] [--verbose]`: the local stack of `npm run demo`, kept up for manual
 * use until Ctrl-C. Builds the page, prints a line per startup step, then the gateway URL (page, Auth,
 * functions on one port), the two demo users' sign-in, and the helper commands.
 *
 * `--keep` keeps the database, the stored objects and the secrets in .tmp/stack/ between runs (delete that
 * folder to start afresh, e.g. after pulling new migrations).
 */
import { KEPT_STACK_DIR, startLocalStack } from "./local-stack.ts";
import { createUser, DEMO_PASSWORD } from "./nightly-cycle.ts";
import { removeStackSession, writeStackSession } from "./stack-session.ts";
import { buildWebIfStale } from "./web-build.ts";

const args = process.argv.slice(2);
const keep = args.includes("--keep");
const portIndex = args.indexOf("--port");
const gatewayPort = portIndex === -1 ? undefined : Number(args[portIndex + 1]);
const started = Date.now();
const progress = (step: string) =>
  console.log(`  ${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s  ${step}`);

console.log(`giggles local stack${keep ? ` (keeping data in ${KEPT_STACK_DIR})` : ""}`);
// The page builds (when stale) while the services start: neither waits for the other.
const pageBuilt = buildWebIfStale().then((built) =>
  progress(built ? "page built (web/dist)" : "page up to date (web/dist)"),
);
const stack = await startLocalStack({
  verbose: args.includes("--verbose"),
  progress,
  ...(keep ? { dataDir: KEPT_STACK_DIR } : {}),
  ...(gatewayPort === undefined ? {} : { gatewayPort }),
}).catch(async (error: unknown) => {
  await pageBuilt.catch(() => {});
  throw error;
});
await pageBuilt.catch(async (error: unknown) => {
  await stack.stop();
  throw error;
});
// Fixed ids and emails: the same two users again on a kept stack.
const users = [
  await createUser(stack, "Ana", "America/Los_Angeles", {
    id: "0a0a0a0a-0000-4000-8000-00000000a0a0",
    email: "ana@demo.giggles.local",
  }),
  await createUser(stack, "Ravi", "Asia/Kolkata", {
    id: "0b0b0b0b-0000-4000-8000-00000000b0b0",
    email: "ravi@demo.giggles.local",
  }),
];
writeStackSession({
  dbUrl: stack.db.url,
  gatewayUrl: stack.gatewayUrl,
  dispatchUrl: stack.functionUrl("dispatch"),
  dispatchToken: stack.dispatchToken,
  jwtSecret: stack.jwtSecret,
  authIssuer: stack.auth.service.issuer,
  pid: process.pid,
});
console.log(`
giggles local stack is up in ${((Date.now() - started) / 1000).toFixed(1)} s (Ctrl-C stops everything)
  page + API      ${stack.gatewayUrl}   (functions at /functions/v1/<name>, Auth at /auth/v1)
  sign in as      ${users.map((u) => `${u.email} (${u.timeZone})`).join(", ")}; password ${DEMO_PASSWORD}
  database        ${stack.db.url}
  auth (stand-in) ${stack.auth.url}/auth/v1
  S3 (s3rver)     ${stack.s3.endpoint}  key ${stack.s3.accessKeyId} / ${stack.s3.secretAccessKey}
  ingest kick     ${stack.functionUrl("ingest")}  (Authorization: Bearer ${stack.ingestToken})
  Limitless       ${stack.limitless.url}  (stand-in)
  inference node  ${stack.node.url}
  a user token    npm run stack:token -- ana@demo.giggles.local     (24 h; --hours N)
  run the night   npm run stack:night                               (sweep + dispatch until done)
`);
let stopping = false;
const shutdown = async () => {
  if (stopping) return;
  stopping = true;
  console.log("stopping …");
  removeStackSession();
  await stack.stop();
  process.exit(0);
};
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);
