/**
 * @module
 * The node's memory guard: above NODE_MAX_RSS_MB it refuses new work. Resident set size alone locked an
 * idle node out for minutes after one big job (856 MB → 503 for over 3.5 min, issue 10 item 12): freed
 * memory stays mapped by the allocator and the V8 heap until they reuse it, and nothing runs that would.
 * So RSS counts while jobs run (that is when more work could push the process over its cgroup limit);
 * on an idle node only live memory counts (V8 heap in use, external and ArrayBuffer memory), which is
 * what the next job would actually add to.
 */

export interface MemoryGuardOptions {
  maxRssBytes: number;
  /** True while jobs are queued or running. */
  isBusy: () => boolean;
  rssBytes?: () => number;
  /** Memory still in use by JavaScript: V8 heap used + external + ArrayBuffers. */
  liveBytes?: () => number;
}

export interface MemoryReading {
  /** Refuse new work. */
  over: boolean;
  rssBytes: number;
  liveBytes: number;
}

/** Live JavaScript memory of this process (see {@link MemoryGuardOptions.liveBytes}). */
export function processLiveBytes(): number {
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.external + usage.arrayBuffers;
}

/**
 * @example
 * ```ts
 * const guard = createMemoryGuard({ maxRssBytes: 768 * 2 ** 20, isBusy: () => queue.capacity.running > 0 });
 * if (guard().over) return c.json({ error: "MEMORY_GUARD" }, 503);
 * ```
 */
export function createMemoryGuard(options: MemoryGuardOptions): () => MemoryReading {
  const rssBytes = options.rssBytes ?? (() => process.memoryUsage.rss());
  const liveBytes = options.liveBytes ?? processLiveBytes;
  return () => {
    const rss = rssBytes();
    const live = liveBytes();
    const over = rss > options.maxRssBytes && (options.isBusy() || live > options.maxRssBytes);
    return { over, rssBytes: rss, liveBytes: live };
  };
}
