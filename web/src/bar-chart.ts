/**
 * @module
 * A bar chart from divs (no library, no canvas): one bar per slot, its height the slot's share of the
 * largest. The figure carries a text summary for screen readers and is not in the tab order, so the
 * keyboard reaches the laugh rows first. Used for laughs per hour (a day) and laughs per day (weeks).
 *
 * @example
 * ```ts
 * barChart({ caption: "Laughs per hour", bars: hours.map((h) => ({ label: "09", value: 3, title: "09:00: 3 laughs" })) });
 * ```
 */
import { el } from "./dom.ts";

export interface Bar {
  /** Short label under the bar (may be empty to thin out the axis). */
  label: string;
  value: number;
  /** Tooltip and the bar's part of the summary, e.g. "09:00: 3 laughs, 7 s". */
  title: string;
  /** Optional link target (per-day chart: the day). */
  href?: string;
  /** Extra class, e.g. `state-failed`. */
  className?: string;
}

export interface BarChartOptions {
  caption: string;
  bars: readonly Bar[];
  /** Sentence read instead of the bars; default: the titles of the non-zero bars. */
  summary?: string;
  className?: string;
}

export function barChart({ caption, bars, summary, className = "" }: BarChartOptions): HTMLElement {
  const max = Math.max(1, ...bars.map((bar) => bar.value));
  const spoken =
    summary ??
    (bars
      .filter((bar) => bar.value > 0)
      .map((bar) => bar.title)
      .join("; ") ||
      "nothing yet");
  const columns = bars.map((bar) => {
    const fill = el("span", { class: "bar-fill" });
    fill.style.height = `${(bar.value / max) * 100}%`;
    const attributes = { class: `bar ${bar.className ?? ""}`.trim(), title: bar.title, tabindex: -1 };
    const column =
      bar.href === undefined ? el("div", attributes, fill) : el("a", { ...attributes, href: bar.href }, fill);
    return el("div", { class: "bar-slot" }, column, el("span", { class: "bar-label" }, bar.label));
  });
  const figure = el(
    "figure",
    { class: `bar-chart ${className}`.trim() },
    el("figcaption", {}, caption),
    el("div", { class: "bars", role: "img", "aria-label": `${caption}: ${spoken}` }, ...columns),
  );
  figure.style.setProperty("--bars", String(bars.length));
  return figure;
}
