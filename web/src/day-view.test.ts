// @vitest-environment happy-dom
import { describe, expect, it } from "vitest";
import { emptyDay, fakeApi, fakeServer, laugh } from "../test/fake-api.ts";
import { dayView, hourlyTotals, probabilityScale } from "./day-view.ts";

const DATE = "2026-11-21";

describe("day view: states told apart", () => {
  it("a failed day gives a sentence per cause as an error, not 'No laughs' and not the stored reason", async () => {
    const server = fakeServer();
    server.days.set(
      DATE,
      emptyDay(DATE, {
        state: "failed",
        recordings: 2,
        failed: 2,
        failureReasons: [
          'UNDECODABLE_AUDIO: CORRUPT_AUDIO: … (starts with "2\u25a1\u00b0_")',
          "DEADLINE_EXCEEDED: x",
        ],
      }),
    );
    const view = await dayView(fakeApi(server), DATE, { timeZone: "UTC" });
    const error = view.querySelector(".notice.error");
    expect(error?.getAttribute("role")).toBe("alert");
    expect(error?.textContent).toContain("2 recordings of this day could not be processed.");
    expect(error?.querySelectorAll("li")).toHaveLength(2);
    expect(view.textContent).not.toContain("UNDECODABLE");
    expect(view.textContent).not.toContain("\u25a1");
    expect(view.textContent).not.toMatch(/No laughs/);
  });

  it("processing, waiting and empty days each say so; a damaged recording is a warning sentence", async () => {
    const server = fakeServer();
    server.days.set(DATE, emptyDay(DATE, { state: "processing", recordings: 1, processing: 1 }));
    const processing = await dayView(fakeApi(server), DATE, { timeZone: "UTC" });
    expect(processing.querySelector(".day-state")?.textContent).toMatch(/^Still processing 1 recording\./);

    server.days.set(DATE, emptyDay(DATE, { state: "planned", recordings: 1, planned: 1 }));
    const planned = await dayView(fakeApi(server), DATE, { timeZone: "UTC" });
    expect(planned.querySelector(".day-state")?.textContent).toContain("waiting to be processed");

    server.days.delete(DATE);
    const empty = await dayView(fakeApi(server), DATE, { timeZone: "UTC" });
    expect(empty.querySelector(".day-state")?.textContent).toContain("No recordings on this day.");

    server.days.set(DATE, emptyDay(DATE, { state: "done", recordings: 1, done: 1 }));
    server.decodeWarnings.set(DATE, { truncated: 1, corrupt: 2 });
    const done = await dayView(fakeApi(server), DATE, { timeZone: "UTC" });
    // Cut short and damaged are two sentences (recordings.decode_warning_kind), never one "damaged or cut short".
    expect([...done.querySelectorAll(".notice.warn")].map((n) => n.textContent)).toEqual([
      "1 recording of this day was cut short: laughs were looked for in the part that arrived. Uploading the whole file again would fill in the rest.",
      "2 recordings of this day were damaged in places: the damaged parts were skipped and laughs were looked for in the rest.",
    ]);
    expect(done.querySelector(".day-state")?.textContent).toContain("No laughs were found");
  });
});

describe("day view: a busy day", () => {
  it("100 laughs: players load nothing before play, the day costs two API calls, totals and charts add up", async () => {
    const server = fakeServer();
    const events = Array.from({ length: 100 }, (_, i) =>
      laugh(i, `14:${String(Math.floor(i / 2)).padStart(2, "0")}:${i % 2 === 0 ? "05" : "35"}`, {
        peakProbability: 0.9 + (i % 10) / 100,
        durationMs: 1500,
      }),
    );
    server.laughs.set(DATE, events);
    server.days.set(DATE, emptyDay(DATE, { state: "done", laughs: 100, recordings: 1, done: 1 }));
    const view = await dayView(fakeApi(server), DATE, { timeZone: "UTC" });
    const players = [...view.querySelectorAll("audio")];
    expect(players).toHaveLength(100);
    expect(players.every((audio) => audio.getAttribute("preload") === "none")).toBe(true);
    expect(server.requests.map((r) => r.path)).toEqual([
      `laughs?date=${DATE}`,
      `me/days?from=${DATE}&to=${DATE}`,
    ]);
    expect(view.querySelector(".summary")?.textContent).toBe("100 laughs, 150.0 s of laughing.");
    const hours = view.querySelector(".bar-chart.hours .bars");
    expect(hours?.getAttribute("aria-label")).toBe("Laughs per hour: 14:00–15:00: 100 laughs, 150 s");
    // The charts hold no tab stops: the first focusable thing after the filter is in a row.
    const focusable = [...view.querySelectorAll("a[href], button, input, textarea, audio[controls]")].filter(
      (node) => node.getAttribute("tabindex") !== "-1",
    );
    expect(focusable.findIndex((node) => node.closest("li.laugh") !== null)).toBeLessThanOrEqual(4);
  });

  it("the probability filter spans the day's observed peaks and hides rows below the chosen one", async () => {
    const server = fakeServer();
    server.laughs.set(DATE, [
      laugh(1, "09:00:00", { peakProbability: 0.953 }),
      laugh(2, "10:00:00", { peakProbability: 0.991 }),
    ]);
    server.days.set(DATE, emptyDay(DATE, { state: "done", laughs: 2, recordings: 1, done: 1 }));
    const view = await dayView(fakeApi(server), DATE, { timeZone: "UTC" });
    const slider = view.querySelector<HTMLInputElement>("#min-probability");
    expect([slider?.min, slider?.max, slider?.value]).toEqual(["0.95", "0.99", "0.95"]);
    if (slider === null) throw new Error("no slider");
    slider.value = "0.98";
    slider.dispatchEvent(new Event("input"));
    expect(view.querySelectorAll("li.laugh")).toHaveLength(1);
    expect(view.querySelector(".summary")?.textContent).toBe("1 laugh shown of 2, 2.0 s of laughing.");
  });

  it("hourlyTotals and probabilityScale", () => {
    const hours = hourlyTotals([laugh(1, "00:00:01"), laugh(2, "23:59:59", { durationMs: 500 })]);
    expect([hours[0], hours[23]]).toEqual([
      { laughs: 1, seconds: 2 },
      { laughs: 1, seconds: 0.5 },
    ]);
    expect(probabilityScale([])).toBeUndefined();
    expect(probabilityScale([laugh(1, "09:00:00"), laugh(2, "09:00:01")])).toBeUndefined();
  });
});
