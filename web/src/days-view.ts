/**
 * @module
 * Day cards: the last 14 local days, newest first, each with weekday, date and laugh count; empty days
 * say so, failed days are flagged with the reason, days still waiting say what they wait for.
 */
import { addDays, localDateOf } from "../../shared/time/zoned-time.ts";
import type { Api, Day } from "./api.ts";
import { el } from "./dom.ts";
import { formatDate, formatDayMonth, formatWeekday, plural } from "./format.ts";

export const DAYS_SHOWN = 14;

const STATE_TEXT: Record<Day["state"], string> = {
  empty: "No recordings",
  planned: "Waiting for tonight",
  processing: "Processing",
  done: "Done",
  failed: "Failed",
};

function dayCard(day: Day): HTMLElement {
  const title = formatDate(day.date);
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
      el("span", { class: "count" }, day.state === "empty" ? "—" : plural(day.laughs, "laugh")),
      el("span", { class: "state" }, STATE_TEXT[day.state]),
      day.state === "failed"
        ? el("span", { class: "reason" }, day.failureReasons.join("; ") || "processing failed")
        : null,
    ),
  );
}

export async function daysView(api: Api, timeZone: string): Promise<HTMLElement> {
  const today = localDateOf(new Date(), timeZone);
  const { days } = await api.days(addDays(today, -(DAYS_SHOWN - 1)), today);
  return el(
    "section",
    { "aria-labelledby": "days-title" },
    el("h2", { id: "days-title" }, "Your days"),
    el("p", { class: "hint" }, `Local days in ${timeZone}.`),
    el("ul", { class: "day-cards" }, ...days.map(dayCard)),
  );
}
