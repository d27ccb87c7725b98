/**
 * `npm run stack:night`: runs the night now on the running local stack: the sweep (every finished local
 * day, no grace) and the dispatch kicks until the queue settles, with a line per change. Today's uploads
 * wait for their night; the page's "Process today so far" (POST /functions/v1/me/process-today) takes them.
 */
import postgres from "postgres";
import { runNight } from "./nightly-cycle.ts";
import { readStackSession } from "./stack-session.ts";

const session = readStackSession();
const sql = postgres(session.dbUrl, { max: 2, onnotice: () => {} });
const dispatch = async () => {
  // ?wait=1: the pass runs before the answer (the pg_net kick gets a 202 at once instead).
  const response = await fetch(`${session.dispatchUrl}?wait=1`, {
    method: "POST",
    headers: { authorization: `Bearer ${session.dispatchToken}`, "content-type": "application/json" },
    body: "{}",
  });
  const body: unknown = await response.json().catch(() => null);
  if (!response.ok) throw new Error(`dispatch answered ${response.status}: ${JSON.stringify(body)}`);
  return body;
};
try {
  let last = "";
  const night = await runNight(
    { sql, dispatch },
    {
      onProgress: (jobs) => {
        const line = `queue: ${JSON.stringify(jobs)}`;
        if (line !== last) console.log(line);
        last = line;
      },
    },
  );
  console.log(
    `night done: ${night.daysSwept} user-days swept, ${night.jobsEnqueued} jobs, ${night.dispatchCalls} dispatch calls, ${(night.wallMs / 1000).toFixed(1)} s`,
  );
} catch (error) {
  console.error(`the night failed: ${(error as Error).message}`);
  process.exitCode = 1;
} finally {
  await sql.end({ timeout: 5 });
}
