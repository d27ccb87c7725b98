/**
 * @module
 * CORS of the functions the page calls (`me`, `laughs`, `limitless-key`): the page may be hosted on
 * another origin and sends a bearer token, never cookies, so any origin may call (no credentials mode).
 *
 * @example
 * ```ts
 * app.use("*", userApiCors());
 * ```
 */
import { cors } from "hono/cors";

export const userApiCors = () =>
  cors({ origin: "*", allowHeaders: ["authorization", "apikey", "content-type", "x-client-info"] });
