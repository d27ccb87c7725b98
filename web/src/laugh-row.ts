/**
 * @module
 * One laugh as a compact row: local time, length, peak probability, a player on its clip, the note
 * (saved as the user types and when they leave the field, with a saved indicator) and delete.
 *
 * The player is `preload="none"`: nothing is fetched until play, and the length shown is the event's.
 * Pressing play on a page older than the clip URLs' lifetime fetches fresh URLs first (clip-urls.ts).
 */
import { MAX_NOTE_CHARS } from "../../shared/api/user-api.ts";
import type { Api, Laugh } from "./api.ts";
import { messageOf } from "./api-error.ts";
import type { ClipUrls } from "./clip-urls.ts";
import { button, el, setStatus } from "./dom.ts";
import { formatProbability, formatSeconds } from "./format.ts";
import { createNoteSaver } from "./note-saver.ts";

function player(laugh: Laugh, clips: ClipUrls, status: HTMLElement): HTMLElement {
  if (laugh.clipUrl === null) return el("span", { class: "hint" }, "No clip");
  const audio = el("audio", {
    controls: true,
    preload: "none",
    src: laugh.clipUrl,
    "aria-label": `Clip of ${laugh.localTime}, ${formatSeconds(laugh.durationMs)}`,
  });
  audio.addEventListener("play", () => {
    if (clips.fresh()) return;
    audio.pause();
    setStatus(status, "info", "Loading the clip …");
    clips
      .urlFor(laugh.id)
      .then((url) => {
        if (url === null) throw new Error("clip gone");
        audio.src = url;
        setStatus(status, "info", "");
        return audio.play();
      })
      .catch((error: unknown) => setStatus(status, "error", messageOf(error)));
  });
  audio.addEventListener("error", () =>
    setStatus(status, "error", "This clip could not be played. Reload the day and try again."),
  );
  return audio;
}

export function laughRow(api: Api, laugh: Laugh, clips: ClipUrls, onDeleted: () => void): HTMLElement {
  const noteId = `note-${laugh.id}`;
  const note = el("textarea", {
    id: noteId,
    rows: 1,
    maxlength: MAX_NOTE_CHARS,
    class: "note",
    placeholder: "Add a note",
  });
  note.value = laugh.note ?? "";
  const status = el("span", { role: "status", class: "status" });
  const saver = createNoteSaver({
    initial: note.value,
    save: async (text) => (await api.setNote(laugh.id, text)).note,
    onState: (state) => {
      if (state.kind === "pending") setStatus(status, "info", "Not saved yet");
      else if (state.kind === "saving") setStatus(status, "info", "Saving …");
      else if (state.kind === "saved") setStatus(status, "ok", "Saved");
      else if (state.kind === "error") setStatus(status, "error", messageOf(state.error));
    },
  });
  note.addEventListener("input", () => saver.changed(note.value));
  note.addEventListener("change", () => void saver.flush());
  note.addEventListener("blur", () => void saver.flush());

  const remove = button(
    "Delete",
    async () => {
      if (!window.confirm(`Delete the laugh at ${laugh.localTime} and its clip? This cannot be undone.`))
        return;
      setStatus(status, "info", "Deleting …");
      try {
        await api.deleteLaugh(laugh.id);
        onDeleted();
      } catch (error) {
        setStatus(status, "error", messageOf(error));
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
      el("span", { class: "length" }, formatSeconds(laugh.durationMs)),
      el("span", { title: "peak probability" }, `p ${formatProbability(laugh.peakProbability)}`),
    ),
    player(laugh, clips, status),
    el("label", { for: noteId, class: "visually-hidden" }, `Note on the laugh at ${laugh.localTime}`),
    note,
    el("div", { class: "actions" }, remove, status),
  );
}
