/**
 * @module
 * Peak memory of this isolate during an ingest run, sampled every few ms with `Deno.memoryUsage()`:
 * V8 heap in use, external memory (ArrayBuffers: the part buffer, fetch bodies) and the process's
 * resident set. Logged with each run's summary, and read by `npm run bench:ingest`.
 */

export interface MemoryPeaks {
  heapUsedBytes: number;
  externalBytes: number;
  /** Highest heapUsed + external seen in one sample: what the isolate itself holds. */
  isolateBytes: number;
  rssBytes: number;
}

export function sampleMemory(intervalMs = 5): { stop(): MemoryPeaks } {
  const peaks: MemoryPeaks = { heapUsedBytes: 0, externalBytes: 0, isolateBytes: 0, rssBytes: 0 };
  const sample = () => {
    const usage = Deno.memoryUsage();
    peaks.heapUsedBytes = Math.max(peaks.heapUsedBytes, usage.heapUsed);
    peaks.externalBytes = Math.max(peaks.externalBytes, usage.external);
    peaks.isolateBytes = Math.max(peaks.isolateBytes, usage.heapUsed + usage.external);
    peaks.rssBytes = Math.max(peaks.rssBytes, usage.rss);
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return peaks;
    },
  };
}
