/**
 * @module
 * Your days: a per-day chart of laughs over the last eight weeks up to the shown day, then cards for 14
 * local days, newest first, with navigation to earlier (and back to later) fortnights, as far back as the
 * API goes. Each card says its state in words; a failed day gives the cause as a sentence; when nothing
 * was ever recorded in view, the page says how to get audio in.
 */
import { addDays, localDateOf } from "../../shared/time/zoned-time.ts";
import type { Api, Day } from "./api.ts";
import { barChart } from "./bar-chart.ts";
import { el } from "./dom.ts";
import { formatDayMonth, formatWeekday, plural } from "./format.ts";
import { failureSentences } from "./messages.ts";

export const DAYS_SHOWN = 14;
export const CHART_DAYS = 56;

const STATE_TEXT: Record<Day["state"], string> = {
  empty: "No recordings",
  planned: "Waiting for tonight",
  processing: "Processing",
  done: "Done",
  failed: "Failed",
};

function dayCard(day: Day): HTMLElement {
  const title = `${formatWeekday(day.date)} ${formatDayMonth(day.date)}`;
  const seconds = day.laughSeconds >= 1 ? `, ${day.laughSeconds.toFixed(0)} s` : "";
  return el(
    "li",
    { class: `day-card state-${day.state}`, "data-date": day.date },
    el(
      "a",
      {
        href: `#/day/${day.date}`,
        "aria-label": `${title}: ${plural(day.laughs, "laugh")}, ${STATE_TEXT[day.state]}`,
      },
      el("span", { class: "weekday" }, formatWeekday(day.date)),
      el("span", { class: "date" }, formatDayMonth(day.date)),
      el(
        "span",
        { class: "count" },
        day.state === "empty" || (day.state === "failed" && day.laughs === 0)
          ? "—"
          : plural(day.laughs, "laugh"),
      ),
      day.state === "empty" ? null : el("span", { class: "seconds" }, seconds.slice(2)),
      el("span", { class: "state" }, STATE_TEXT[day.state]),
      day.state === "failed"
        ? el("span", { class: "reason" }, failureSentences(day.failureReasons)[0])
        : null,
    ),
  );
}

function dayChart(days: readonly Day[]): HTMLElement {
  const oldestFirst = [...days].reverse();
  return barChart({
    caption: `Laughs per day, ${formatDayMonth(oldestFirst[0].date)} – ${formatDayMonth(oldestFirst[oldestFirst.length - 1].date)}`,
    className: "per-day",
    bars: oldestFirst.map((day) => ({
      label: day.date.endsWith("-01") || day === oldestFirst[0] ? formatDayMonth(day.date).slice(0, 6) : "",
      value: day.laughs,
      title: `${formatWeekday(day.date)} ${formatDayMonth(day.date)}: ${plural(day.laughs, "laugh")}, ${day.laughSeconds.toFixed(0)} s`,
      href: `#/day/${day.date}`,
      className: `state-${day.state}`,
    })),
  });
}

/** `end`: the newest day shown (default today in `timeZone`). */
export async function daysView(api: Api, timeZone: string, end?: string): Promise<HTMLElement> {
  const today = localDateOf(new Date(), timeZone);
  const last = end !== undefined && end < today ? end : today;
  const { days } = await api.days(addDays(last, -(CHART_DAYS - 1)), last);
  const shown = days.slice(0, DAYS_SHOWN);
  const nothingYet = days.every((day) => day.state === "empty");
  const newer = addDays(last, DAYS_SHOWN);
  return el(
    "section",
    { "aria-labelledby": "days-title" },
    el("h2", { id: "days-title" }, "Your days"),
    el("p", { class: "hint" }, `Local days in ${timeZone}.`),
    nothingYet
      ? el(
          "div",
          { class: "notice info getting-started" },
          el("strong", {}, "No recordings here yet. "),
          el("a", { href: "#/upload" }, "Upload audio files"),
          " (WAV or Ogg Opus, for example from a phone's recorder app), or connect a Limitless pendant in ",
          el("a", { href: "#/settings" }, "Settings"),
          ". Days fill in after the nightly run, or at once with “Process today so far”.",
        )
      : dayChart(days),
    el("ul", { class: "day-cards" }, ...shown.map(dayCard)),
    el(
      "nav",
      { class: "day-nav", "aria-label": "Earlier and later days" },
      el("a", { href: `#/days/${addDays(last, -DAYS_SHOWN)}` }, `← ${DAYS_SHOWN} days earlier`),
      last < today
        ? el("a", { href: newer >= today ? "#/" : `#/days/${newer}` }, `${DAYS_SHOWN} days later →`)
        : null,
    ),
  );
}
