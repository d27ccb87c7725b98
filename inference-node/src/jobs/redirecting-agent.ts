/**
 * @module
 * The undici dispatcher used to fetch recordings (the node's jobs and the CLI's URL input): a plain
 * Agent composed with undici's redirect interceptor. undici 7 dropped the `maxRedirections` request
 * option (passing it throws "maxRedirections is not supported"; a cast once hid that: issue 10 item 9),
 * so redirects are followed by the dispatcher instead.
 */
import { Agent, type Dispatcher, interceptors } from "undici";

/** Redirects followed before giving up (a presigned URL behind a CDN takes one or two). */
export const MAX_REDIRECTIONS = 5;

let shared: Dispatcher | undefined;

/**
 * One process-wide dispatcher that follows up to {@link MAX_REDIRECTIONS} redirects (301, 302, 303, 307,
 * 308). Pass it as `dispatcher` to undici's `request`.
 *
 * @example
 * ```ts
 * const response = await request(url, { dispatcher: redirectingAgent() });
 * ```
 */
export function redirectingAgent(): Dispatcher {
  shared ??= new Agent().compose(interceptors.redirect({ maxRedirections: MAX_REDIRECTIONS }));
  return shared;
}
