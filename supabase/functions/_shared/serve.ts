/**
 * @module
 * `Deno.serve` for a function's Hono app. The Supabase Edge Runtime ignores the port; locally and in
 * tests (`test/harness/deno.ts`) the `PORT` variable picks it.
 *
 * @example
 * ```ts
 * serveApp(createReportApp({ config, sql }));
 * ```
 */
import type { Hono } from "hono";

// biome-ignore lint/suspicious/noExplicitAny: any Hono env/schema is fine for serving
export function serveApp(app: Hono<any, any, any>): void {
  const port = Number(Deno.env.get("PORT") ?? "8000");
  Deno.serve({ port, onListen: () => {} }, app.fetch);
}
