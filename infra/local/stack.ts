/**
 * `npm run stack`: the local stack of `npm run demo`, kept up for manual use until Ctrl-C. Prints the URLs,
 * the database connection string, and a user token for each of two demo users.
 */
import { startLocalStack } from "./local-stack.ts";
import { createUser } from "./nightly-cycle.ts";

const stack = await startLocalStack({ verbose: process.argv.includes("--verbose") });
const users = [
  await createUser(stack, "Ana", "America/Los_Angeles"),
  await createUser(stack, "Ravi", "Asia/Kolkata"),
];
console.log(`
giggles local stack is up (Ctrl-C stops everything)
  database        ${stack.db.url}
  auth (stand-in) ${stack.auth.url}/auth/v1
  S3 (s3rver)     ${stack.s3.endpoint}  key ${stack.s3.accessKeyId} / ${stack.s3.secretAccessKey}
  recordings      ${stack.functionUrl("recordings")}
  laughs          ${stack.functionUrl("laughs")}
  dispatch        ${stack.functionUrl("dispatch")}  (Authorization: Bearer ${stack.dispatchToken})
  report          ${stack.functionUrl("report")}
  limitless-key   ${stack.functionUrl("limitless-key")}
  ingest          ${stack.functionUrl("ingest")}  (Authorization: Bearer ${stack.ingestToken})
  Limitless       ${stack.limitless.url}  (stand-in)
  inference node  ${stack.node.url}
${users.map((u) => `  user ${u.name} (${u.timeZone}) ${u.id}\n    token ${u.token}`).join("\n")}
`);
let stopping = false;
const shutdown = async () => {
  if (stopping) return;
  stopping = true;
  console.log("stopping …");
  await stack.stop();
  process.exit(0);
};
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);
