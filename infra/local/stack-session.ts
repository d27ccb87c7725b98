/**
 * @module
 * The running `npm run stack`'s coordinates (`.tmp/stack/session.json`, mode 600): how `npm run
 * stack:token` and `npm run stack:night` reach it from another terminal. Local use only: it holds the
 * stack's throwaway secrets.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { z } from "zod";
import { KEPT_STACK_DIR } from "./local-stack.ts";

export const SESSION_PATH = join(KEPT_STACK_DIR, "session.json");

export const stackSessionSchema = z.object({
  dbUrl: z.string(),
  gatewayUrl: z.string(),
  dispatchUrl: z.string(),
  dispatchToken: z.string(),
  jwtSecret: z.string(),
  /** The `iss` the functions expect: the Auth stand-in's `<url>/auth/v1`. */
  authIssuer: z.string(),
  pid: z.number(),
});
export type StackSession = z.infer<typeof stackSessionSchema>;

export function writeStackSession(session: StackSession): void {
  mkdirSync(dirname(SESSION_PATH), { recursive: true });
  writeFileSync(SESSION_PATH, `${JSON.stringify(session, null, 2)}\n`, { mode: 0o600 });
}

export function removeStackSession(): void {
  rmSync(SESSION_PATH, { force: true });
}

/** The running stack's session, or exits with a clear message when none is up. */
export function readStackSession(): StackSession {
  if (!existsSync(SESSION_PATH)) {
    console.error(`No local stack is running (no ${SESSION_PATH}). Start one with: npm run stack`);
    process.exit(2);
  }
  const parsed = stackSessionSchema.safeParse(JSON.parse(readFileSync(SESSION_PATH, "utf8")));
  if (!parsed.success) {
    console.error(`${SESSION_PATH} is not a stack session; restart the stack (npm run stack).`);
    process.exit(2);
  }
  return parsed.data;
}
