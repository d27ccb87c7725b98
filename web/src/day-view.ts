/**
 * @module
 * One local day. From the top: the date with previous/next day, what state the day is in (a sentence:
 * processing, waiting for the night, failed and why, empty, read only in part), the totals (laughs and
 * laugh-seconds), laughs per hour, a 15-minute density strip, the probability filter (its scale is the
 * day's observed range), then one compact row per laugh. The charts hold no tab stops: after the day
 * links and the filter, the keyboard reaches the rows.
 *
 * Two API calls per day (`laughs` and `me/days` for its state), and no storage request until the user
 * presses play: players are `preload="none"` and show the length from the event (clip-urls.ts keeps
 * their URLs fresh).
 */
import { addDays, localDateOf } from "../../shared/time/zoned-time.ts";
import type { Api, Day, Laugh } from "./api.ts";
import { barChart } from "./bar-chart.ts";
import { createClipUrls } from "./clip-urls.ts";
import { dayStateNotice } from "./day-state.ts";
import { el, replaceChildren } from "./dom.ts";
import { formatDate, formatProbability, formatSeconds, plural, secondsOfDay } from "./format.ts";
import { laughRow } from "./laugh-row.ts";

const pad = (n: number) => String(n).padStart(2, "0");

/** Laughs and laugh-seconds per local hour. */
export function hourlyTotals(laughs: readonly Laugh[]): { laughs: number; seconds: number }[] {
  const hours = Array.from({ length: 24 }, () => ({ laughs: 0, seconds: 0 }));
  for (const laugh of laughs) {
    const hour = hours[Math.min(23, Math.floor(secondsOfDay(laugh.localTime) / 3600))];
    hour.laughs += 1;
    hour.seconds += laugh.durationMs / 1000;
  }
  return hours;
}

function hourChart(laughs: readonly Laugh[]): HTMLElement {
  return barChart({
    caption: "Laughs per hour",
    className: "hours",
    bars: hourlyTotals(laughs).map((hour, h) => ({
      label: h % 3 === 0 ? pad(h) : "",
      value: hour.laughs,
      title: `${pad(h)}:00–${pad(h + 1)}:00: ${plural(hour.laughs, "laugh")}, ${hour.seconds.toFixed(0)} s`,
    })),
  });
}

/** 96 quarter-hours, each as dark as its share of the busiest one: 71 laughs in an hour stay visible. */
function densityStrip(laughs: readonly Laugh[]): HTMLElement {
  const bins = new Array<number>(96).fill(0);
  for (const laugh of laughs) bins[Math.min(95, Math.floor(secondsOfDay(laugh.localTime) / 900))] += 1;
  const max = Math.max(1, ...bins);
  const cells = bins.map((count, i) => {
    const from = `${pad(Math.floor(i / 4))}:${pad((i % 4) * 15)}`;
    const cell = el("span", { class: "density-cell", title: `${from}: ${plural(count, "laugh")}` });
    if (count > 0) cell.style.opacity = String(0.25 + 0.75 * (count / max));
    else cell.classList.add("none");
    return cell;
  });
  const ticks = [0, 6, 12, 18, 24].map((h) => {
    const tick = el("span", { class: "tick" }, `${pad(h)}:00`);
    tick.style.left = `${(h / 24) * 100}%`;
    return tick;
  });
  return el(
    "figure",
    { class: "timeline", "aria-hidden": "true" },
    el("figcaption", {}, "Timeline (each stripe is 15 minutes; darker means more laughs)"),
    el("div", { class: "density" }, ...cells),
    el("div", { class: "ticks" }, ...ticks),
  );
}

/**
 * The filter's scale: the day's observed peak probabilities, both ends rounded down to 0.01, so the lowest
 * setting shows every laugh and the highest still shows the day's top one.
 */
export function probabilityScale(laughs: readonly Laugh[]): { min: number; max: number } | undefined {
  if (laughs.length === 0) return undefined;
  const peaks = laughs.map((laugh) => laugh.peakProbability);
  const min = Math.floor(Math.min(...peaks) * 100) / 100;
  const max = Math.floor(Math.max(...peaks) * 100) / 100;
  return max - min >= 0.01 ? { min, max } : undefined;
}

export interface DayViewOptions {
  timeZone: string;
  /** For tests: the clock of the clip URLs' age. */
  now?: () => number;
}

export async function dayView(
  api: Api,
  date: string,
  { timeZone, now }: DayViewOptions,
): Promise<HTMLElement> {
  const [{ events, summary, timeZone: livedIn }, { days }] = await Promise.all([
    api.laughs(date),
    api.days(date, date),
  ]);
  const day: Day | undefined = days[0];
  const clips = createClipUrls(events, async () => (await api.laughs(date)).events, { now });
  let laughs = events;
  const today = localDateOf(new Date(), timeZone);

  const section = el("section", { "aria-labelledby": "day-title", class: "day" });
  const totals = el("p", { class: "summary", "aria-live": "polite" });
  const charts = el("div", { class: "charts" });
  const list = el("ol", { class: "laughs" });
  const scale = probabilityScale(events);
  const filter = scale
    ? el("input", {
        id: "min-probability",
        type: "range",
        min: scale.min,
        max: scale.max,
        step: 0.01,
        value: scale.min,
      })
    : undefined;
  const filterValue = el("output", { for: "min-probability" });

  const render = () => {
    const minimum = filter === undefined ? 0 : Number(filter.value);
    filterValue.textContent = minimum.toFixed(2);
    const shown = laughs.filter((laugh) => laugh.peakProbability >= minimum);
    const seconds = shown.reduce((sum, laugh) => sum + laugh.durationMs / 1000, 0);
    totals.textContent =
      laughs.length === 0
        ? ""
        : `${plural(shown.length, "laugh")}${shown.length === laughs.length ? "" : ` shown of ${laughs.length}`}, ${formatSeconds(seconds * 1000)} of laughing.`;
    replaceChildren(charts, ...(laughs.length === 0 ? [] : [hourChart(shown), densityStrip(shown)]));
    replaceChildren(
      list,
      ...shown.map((laugh) =>
        laughRow(api, laugh, clips, () => {
          laughs = laughs.filter((other) => other.id !== laugh.id);
          render();
        }),
      ),
    );
  };
  filter?.addEventListener("input", render);
  render();

  const dayLink = (offset: number, text: string) => {
    const target = addDays(date, offset);
    return target > today ? el("span", { class: "hint" }, text) : el("a", { href: `#/day/${target}` }, text);
  };
  replaceChildren(
    section,
    el(
      "nav",
      { class: "day-nav", "aria-label": "Days" },
      el("a", { href: "#/" }, "All days"),
      dayLink(-1, "← Previous day"),
      dayLink(1, "Next day →"),
    ),
    el("h2", { id: "day-title" }, formatDate(date)),
    // The zone this day was lived in (a later zone change does not move it).
    el("p", { class: "hint", "data-testid": "day-zone" }, `Times in ${livedIn}.`),
    dayStateNotice({ day, summary, laughs: events.length, isToday: date === today, api }),
    totals,
    charts,
    filter === undefined || scale === undefined
      ? null
      : el(
          "div",
          { class: "filter" },
          el("label", { for: "min-probability" }, "Minimum peak probability"),
          filter,
          filterValue,
          el(
            "span",
            { class: "hint" },
            `this day's laughs peak between ${formatProbability(scale.min)} and ${formatProbability(scale.max)}`,
          ),
        ),
    list,
  );
  return section;
}
