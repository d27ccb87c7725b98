/**
 * @module
 * The HTTP headers the page (web/dist) should be served with, wherever it is hosted: the local stack's
 * gateway sends exactly these, and README "Hosting the page" lists them for other hosts.
 *
 * - `Content-Security-Policy`: scripts and styles only from the page's own origin (the build has no inline
 *   script; styles set through the CSSOM are allowed), network calls only to the page, the Supabase
 *   project and its storage (uploads, clips), no plugins, no `<base>`, and `frame-ancestors 'none'`: no
 *   other site may frame the page (clickjacking on "Delete all my data");
 * - `X-Content-Type-Options: nosniff`: a file is only ever what its content-type says;
 * - `Referrer-Policy: no-referrer`: clip and upload URLs carry signatures; no other site sees the page's
 *   addresses.
 *
 * @example
 * ```ts
 * pageSecurityHeaders({ supabaseUrl: "https://abc.supabase.co", storageUrl: "https://abc.storage.supabase.co" });
 * ```
 */

export interface PageOrigins {
  /** The project URL of config.json (functions and Auth). */
  supabaseUrl: string;
  /** Where presigned storage URLs point (clips are played from it, uploads are PUT to it). */
  storageUrl: string;
}

export function pageSecurityHeaders({ supabaseUrl, storageUrl }: PageOrigins): Record<string, string> {
  const project = new URL(supabaseUrl).origin;
  const storage = new URL(storageUrl).origin;
  const csp = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    `media-src 'self' ${storage}`,
    `connect-src 'self' ${project} ${storage}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
  return {
    "content-security-policy": csp,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
  };
}
