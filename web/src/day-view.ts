/**
 * @module
 * One local day: a 24-hour timeline with a mark per laugh, and one row per laugh (local time, length,
 * class, probability, a player on the clip, the note, delete). The probability filter hides rows and
 * marks below the chosen peak probability.
 */
import { MAX_NOTE_CHARS } from "../../shared/api/user-api.ts";
import { type Api, ApiError, type Laugh } from "./api.ts";
import { button, el, replaceChildren } from "./dom.ts";
import { formatDate, formatProbability, formatSeconds, plural, secondsOfDay } from "./format.ts";

function timeline(laughs: Laugh[]): HTMLElement {
  const marks = laughs.map((laugh) => {
    const mark = el("a", {
      class: "mark",
      href: `#laugh-${laugh.id}`,
      "data-id": laugh.id,
      title: `${laugh.localTime}, peak ${formatProbability(laugh.peakProbability)}`,
      "aria-label": `Laugh at ${laugh.localTime}`,
    });
    mark.style.left = `${(secondsOfDay(laugh.localTime) / 86_400) * 100}%`;
    mark.style.opacity = String(0.35 + 0.65 * laugh.peakProbability);
    mark.addEventListener("click", (event) => {
      event.preventDefault();
      document.getElementById(`laugh-${laugh.id}`)?.scrollIntoView({ block: "center" });
      document.getElementById(`laugh-${laugh.id}`)?.focus();
    });
    return mark;
  });
  const hours = [0, 6, 12, 18, 24].map((h) => {
    const tick = el("span", { class: "tick" }, `${String(h).padStart(2, "0")}:00`);
    tick.style.left = `${(h / 24) * 100}%`;
    return tick;
  });
  return el(
    "figure",
    { class: "timeline" },
    el("figcaption", {}, "Timeline of the day (local time)"),
    el("div", { class: "track" }, ...marks),
    el("div", { class: "ticks", "aria-hidden": "true" }, ...hours),
  );
}

function laughRow(api: Api, laugh: Laugh, onDeleted: () => void): HTMLElement {
  const noteId = `note-${laugh.id}`;
  const note = el("textarea", { id: noteId, rows: 2, maxlength: MAX_NOTE_CHARS, class: "note" });
  note.value = laugh.note ?? "";
  const status = el("span", { role: "status", class: "status" });
  const save = button("Save note", async () => {
    status.textContent = "Saving …";
    try {
      const saved = await api.setNote(laugh.id, note.value.trim() === "" ? null : note.value);
      note.value = saved.note ?? "";
      status.textContent = "Saved";
    } catch (error) {
      status.textContent = error instanceof ApiError ? error.message : "Could not save the note";
    }
  });
  const remove = button(
    "Delete",
    async () => {
      if (!window.confirm(`Delete the laugh at ${laugh.localTime} and its clip? This cannot be undone.`))
        return;
      status.textContent = "Deleting …";
      try {
        await api.deleteLaugh(laugh.id);
        onDeleted();
      } catch (error) {
        status.textContent = error instanceof ApiError ? error.message : "Could not delete";
      }
    },
    { class: "danger", "aria-label": `Delete the laugh at ${laugh.localTime}` },
  );
  return el(
    "li",
    { class: "laugh", id: `laugh-${laugh.id}`, tabindex: -1, "data-peak": laugh.peakProbability },
    el(
      "div",
      { class: "facts" },
      el("strong", { class: "time" }, laugh.localTime),
      el("span", {}, formatSeconds(laugh.durationMs)),
      el("span", {}, laugh.className),
      el("span", { title: "peak probability" }, `p ${formatProbability(laugh.peakProbability)}`),
    ),
    laugh.clipUrl === null
      ? el("p", { class: "hint" }, "No clip")
      : el("audio", {
          controls: true,
          preload: "metadata",
          src: laugh.clipUrl,
          "aria-label": `Clip of ${laugh.localTime}`,
        }),
    el("label", { for: noteId }, "Note"),
    note,
    el("div", { class: "actions" }, save, remove, status),
  );
}

export async function dayView(api: Api, date: string): Promise<HTMLElement> {
  const { events, timeZone } = await api.laughs(date);
  let laughs = events;
  const section = el("section", { "aria-labelledby": "day-title", class: "day" });
  const filter = el("input", { id: "min-probability", type: "range", min: 0, max: 1, step: 0.05, value: 0 });
  const filterValue = el("output", { for: "min-probability" }, "0.00");
  const summary = el("p", { class: "summary", "aria-live": "polite" });
  const body = el("div");

  const render = () => {
    const minimum = Number(filter.value);
    filterValue.textContent = minimum.toFixed(2);
    const shown = laughs.filter((laugh) => laugh.peakProbability >= minimum);
    summary.textContent =
      laughs.length === 0
        ? "No laughs on this day."
        : `${plural(shown.length, "laugh")} shown of ${laughs.length}`;
    replaceChildren(
      body,
      timeline(shown),
      el(
        "ol",
        { class: "laughs" },
        ...shown.map((laugh) =>
          laughRow(api, laugh, () => {
            laughs = laughs.filter((other) => other.id !== laugh.id);
            render();
          }),
        ),
      ),
    );
  };
  filter.addEventListener("input", render);
  render();
  replaceChildren(
    section,
    el("p", {}, el("a", { href: "#/" }, "← All days")),
    el("h2", { id: "day-title" }, formatDate(date)),
    el("p", { class: "hint" }, `Times in ${timeZone}.`),
    el(
      "div",
      { class: "filter" },
      el("label", { for: "min-probability" }, "Minimum probability"),
      filter,
      filterValue,
    ),
    summary,
    body,
  );
  return section;
}
