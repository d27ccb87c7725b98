/**
 * @module
 * The sentence that says what state a day is in, so a failed day and a day still processing never both
 * read "No laughs": processing / waiting for the night / failed (one sentence per cause, never the stored
 * reason) / no recordings / nothing found; plus a note when recordings were read only in part.
 */
import type { LaughsSummary } from "../../shared/api/user-api.ts";
import type { Api, Day } from "./api.ts";
import { messageOf } from "./api-error.ts";
import { button, el, setStatus } from "./dom.ts";
import { plural } from "./format.ts";
import { failureSentences } from "./messages.ts";

export interface DayStateInput {
  day: Day | undefined;
  summary: LaughsSummary;
  laughs: number;
  isToday: boolean;
  api: Api;
}

/** The notices of one day (may be empty: a done day with laughs needs none). */
export function dayStateNotice({ day, summary, laughs, isToday, api }: DayStateInput): HTMLElement {
  const box = el("div", { class: "day-state", "data-state": day?.state ?? "empty" });
  const notice = (kind: "info" | "error" | "warn", ...children: (string | HTMLElement)[]) =>
    box.append(
      el("div", { class: `notice ${kind}`, role: kind === "error" ? "alert" : "status" }, ...children),
    );

  if (day !== undefined && day.failed > 0) {
    notice(
      "error",
      el("strong", {}, `${plural(day.failed, "recording")} of this day could not be processed.`),
      el("ul", {}, ...failureSentences(day.failureReasons).map((sentence) => el("li", {}, sentence))),
    );
  }
  if (day !== undefined && day.processing > 0) {
    notice(
      "info",
      `Still processing ${plural(day.processing, "recording")}. Laughs appear here when it is done; reload in a minute.`,
    );
  }
  if (day !== undefined && day.planned > 0) {
    const status = el("span", { role: "status", class: "status" });
    notice(
      "info",
      isToday
        ? `${plural(day.planned, "recording")} waiting: today is processed after midnight. `
        : `${plural(day.planned, "recording")} waiting to be processed with the next nightly run. `,
      isToday
        ? button("Process today so far", async () => {
            try {
              const { recordings } = await api.processToday();
              setStatus(status, "ok", `Queued ${plural(recordings, "recording")}. Reload in a minute.`);
            } catch (error) {
              setStatus(status, "error", messageOf(error));
            }
          })
        : "",
      status,
    );
  }
  // Cut short and damaged are told apart (recordings.decode_warning_kind): a cut recording may arrive
  // whole if sent again; a damaged one will not, its damaged parts are gone.
  const was = (n: number) => `${plural(n, "recording")} of this day ${n === 1 ? "was" : "were"}`;
  if (summary.recordingsTruncated > 0) {
    notice(
      "warn",
      `${was(summary.recordingsTruncated)} cut short: laughs were looked for in the part that arrived. Uploading the whole file again would fill in the rest.`,
    );
  }
  if (summary.recordingsCorrupt > 0) {
    notice(
      "warn",
      `${was(summary.recordingsCorrupt)} damaged in places: the damaged parts were skipped and laughs were looked for in the rest.`,
    );
  }
  const otherWarnings =
    summary.recordingsWithDecodeWarning - summary.recordingsTruncated - summary.recordingsCorrupt;
  if (otherWarnings > 0) {
    notice(
      "warn",
      `${was(otherWarnings)} read only in part; laughs were looked for in the part that could be read.`,
    );
  }
  const state = day?.state ?? "empty";
  if (state === "empty") {
    notice(
      "info",
      "No recordings on this day. ",
      el("a", { href: "#/upload" }, "Upload audio"),
      " to fill it.",
    );
  } else if (state === "done" && laughs === 0) {
    notice("info", "No laughs were found in this day's recordings.");
  }
  return box;
}
