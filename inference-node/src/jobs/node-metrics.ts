/**
 * @module
 * The node's counters and gauges, rendered in the Prometheus text exposition format (version 0.0.4).
 * Kept dependency-free: a handful of series does not justify prom-client.
 */

export type JobOutcome = "completed" | "failed";

export interface MetricsSnapshotSources {
  queued: () => number;
  running: () => number;
  rssBytes: () => number;
}

/**
 * @example
 * ```ts
 * metrics.recordCompleted({ audioSeconds: 600, realTimeFactor: 0.02 });
 * c.text(metrics.render({ queued: () => 0, running: () => 1, rssBytes: () => process.memoryUsage.rss() }));
 * ```
 */
export class NodeMetrics {
  readonly jobsTotal = new Map<JobOutcome, number>([
    ["completed", 0],
    ["failed", 0],
  ]);
  readonly failuresByReason = new Map<string, number>();
  readonly rejectionsByReason = new Map<string, number>();
  audioSecondsTotal = 0;
  lastRealTimeFactor = 0;
  reportsLostTotal = 0;

  recordCompleted({ audioSeconds, realTimeFactor }: { audioSeconds: number; realTimeFactor: number }): void {
    increment(this.jobsTotal, "completed");
    this.audioSecondsTotal += audioSeconds;
    this.lastRealTimeFactor = realTimeFactor;
  }

  recordFailed(reason: string, audioSeconds = 0): void {
    increment(this.jobsTotal, "failed");
    increment(this.failuresByReason, reason);
    this.audioSecondsTotal += audioSeconds;
  }

  recordRejection(reason: "QUEUE_FULL" | "MEMORY_GUARD" | "SHUTTING_DOWN"): void {
    increment(this.rejectionsByReason, reason);
  }

  recordReportLost(): void {
    this.reportsLostTotal++;
  }

  render(sources: MetricsSnapshotSources): string {
    const lines: string[] = [];
    const family = (name: string, type: "counter" | "gauge", help: string, samples: [string, number][]) => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
      for (const [labels, value] of samples) lines.push(`${name}${labels} ${value}`);
    };
    family(
      "giggles_node_jobs_total",
      "counter",
      "Jobs finished, by outcome.",
      [...this.jobsTotal].map(([outcome, n]) => [`{outcome="${outcome}"}`, n]),
    );
    family(
      "giggles_node_job_failures_total",
      "counter",
      "Failed jobs, by reason code.",
      [...this.failuresByReason].map(([reason, n]) => [`{reason="${reason}"}`, n]),
    );
    family("giggles_node_audio_seconds_total", "counter", "Seconds of audio processed.", [
      ["", this.audioSecondsTotal],
    ]);
    family(
      "giggles_node_last_real_time_factor",
      "gauge",
      "Wall time / audio time of the last completed job.",
      [["", this.lastRealTimeFactor]],
    );
    family("giggles_node_queue_depth", "gauge", "Accepted jobs waiting to run.", [["", sources.queued()]]);
    family("giggles_node_jobs_running", "gauge", "Jobs running now.", [["", sources.running()]]);
    family("giggles_node_rss_bytes", "gauge", "Resident set size of the node process.", [
      ["", sources.rssBytes()],
    ]);
    family(
      "giggles_node_infer_rejections_total",
      "counter",
      "POST /infer batches refused, by reason.",
      [...this.rejectionsByReason].map(([reason, n]) => [`{reason="${reason}"}`, n]),
    );
    family("giggles_node_reports_lost_total", "counter", "Reports that could not be delivered.", [
      ["", this.reportsLostTotal],
    ]);
    return `${lines.join("\n")}\n`;
  }
}

function increment<K>(map: Map<K, number>, key: K): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}
