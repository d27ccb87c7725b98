/**
 * @module
 * The clip URLs of one day, kept usable: presigned GETs live CLIP_URL_TTL_SECONDS (300 s), so a player
 * pressed after that would fail with no message. The page loads with the URLs the day came with (no
 * storage request: the players are `preload="none"`); pressing play on a page older than the lifetime
 * minus a margin fetches the day again (one API call, fresh URLs for every clip) before playing.
 *
 * @example
 * ```ts
 * const clips = createClipUrls(events, async () => (await api.laughs(date)).events);
 * audio.addEventListener("play", () => { if (!clips.fresh()) void clips.urlFor(id).then(play); });
 * ```
 */
import type { Laugh } from "./api.ts";

export const CLIP_URL_TTL_MS = 300_000;
/** Refresh this long before expiry: a clip may be long and the network slow. */
export const CLIP_URL_MARGIN_MS = 60_000;

export interface ClipUrlOptions {
  ttlMs?: number;
  marginMs?: number;
  now?: () => number;
}

export interface ClipUrls {
  /** Whether the URLs in hand are still good to start a clip. */
  fresh(): boolean;
  /** A usable URL for the laugh (refreshing every URL first when they are too old), or null. */
  urlFor(id: string): Promise<string | null>;
}

export function createClipUrls(
  laughs: readonly Laugh[],
  refetch: () => Promise<readonly Laugh[]>,
  { ttlMs = CLIP_URL_TTL_MS, marginMs = CLIP_URL_MARGIN_MS, now = () => Date.now() }: ClipUrlOptions = {},
): ClipUrls {
  let urls = new Map(laughs.map((laugh) => [laugh.id, laugh.clipUrl]));
  let fetchedAtMs = now();
  let inFlight: Promise<void> | undefined;
  const fresh = () => now() - fetchedAtMs < ttlMs - marginMs;
  const refresh = () => {
    inFlight ??= (async () => {
      const requestedAtMs = now();
      try {
        urls = new Map((await refetch()).map((laugh) => [laugh.id, laugh.clipUrl]));
        fetchedAtMs = requestedAtMs;
      } finally {
        inFlight = undefined;
      }
    })();
    return inFlight;
  };
  return {
    fresh,
    async urlFor(id) {
      if (!fresh()) await refresh();
      return urls.get(id) ?? null;
    },
  };
}
