/**
 * `npm run stack:token -- <email | user id> [--hours N]`: prints a fresh access token for a user of the
 * running local stack (default 24 h), signed with the stack's JWT secret like the Auth stand-in's own.
 * Use it as `Authorization: Bearer <token>` with curl against `<gateway>/functions/v1/…`.
 */
import { SignJWT } from "jose";
import postgres from "postgres";
import { readStackSession } from "./stack-session.ts";

const args = process.argv.slice(2);
const who = args.find((arg) => !arg.startsWith("--"));
const hoursIndex = args.indexOf("--hours");
const hours = hoursIndex === -1 ? 24 : Number(args[hoursIndex + 1]);
if (who === undefined || !Number.isFinite(hours) || hours <= 0) {
  console.error("usage: npm run stack:token -- <email | user id> [--hours N]");
  process.exit(2);
}
const session = readStackSession();
const sql = postgres(session.dbUrl, { max: 1, onnotice: () => {} });
try {
  const [user] = await sql<{ id: string; email: string }[]>`
    select id::text as id, email from auth.users where email = ${who.toLowerCase()} or id::text = ${who}`;
  if (user === undefined) {
    const known = await sql<{ email: string }[]>`select email from auth.users order by created_at limit 20`;
    console.error(`No user ${who}. Users: ${known.map((u) => u.email).join(", ") || "(none)"}`);
    process.exitCode = 2;
  } else {
    const token = await new SignJWT({ role: "authenticated", aud: "authenticated", email: user.email })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setIssuer(session.authIssuer)
      .setSubject(user.id)
      .setIssuedAt()
      .setExpirationTime(`${Math.round(hours * 3600)}s`)
      .sign(new TextEncoder().encode(session.jwtSecret));
    console.log(token);
    console.error(`token for ${user.email} (${user.id}), valid ${hours} h`);
  }
} finally {
  await sql.end({ timeout: 5 });
}
