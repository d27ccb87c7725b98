/**
 * @module
 * Upload (`#/upload`): pick or drop audio files; each gets a row with its length, a start time (from the
 * file's date: recorder apps save when the recording ends; editable), a progress bar while it uploads
 * (files over the single-part limit go up in parts: uploader.ts), then the state of its day until it is processed, with "Process today
 * so far" for today's uploads.
 */
import { localDateOf } from "../../shared/time/zoned-time.ts";
import type { Api } from "./api.ts";
import { messageOf } from "./api-error.ts";
import { probeAudio, SUPPORTED_FORMATS_SENTENCE, UnsupportedAudioError } from "./audio-probe.ts";
import { button, el, replaceChildren, setStatus } from "./dom.ts";
import { plural } from "./format.ts";
import { type PutObject, type ResumeStore, uploadFile, xhrPut } from "./uploader.ts";

export interface UploadViewOptions {
  timeZone: string;
  putObject?: PutObject;
  resume?: ResumeStore;
  /** How often the day's state is asked for after an upload. */
  pollMs?: number;
}

const pad = (n: number) => String(n).padStart(2, "0");
/** A `datetime-local` value (the browser's zone) for an instant. */
const localInputValue = (date: Date) =>
  `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
const mib = (bytes: number) => `${(bytes / 1_048_576).toFixed(1)} MiB`;
const minutes = (ms: number) =>
  ms < 60_000 ? `${Math.round(ms / 1000)} s` : `${Math.round(ms / 60_000)} min`;

/** A file row, and how to start its upload (undefined until the file is read, or when it is refused). */
interface FileRow {
  row: HTMLElement;
  ready: Promise<(() => Promise<void>) | undefined>;
}

function fileRow(api: Api, file: File, options: Required<UploadViewOptions>): FileRow {
  const row = el("li", { class: "upload", "data-file": file.name });
  const status = el("p", { role: "status", class: "status" });
  const bar = el("progress", { max: 1, value: 0, "aria-label": `Upload of ${file.name}` });
  const after = el("div", { class: "after" });
  replaceChildren(
    row,
    el("strong", {}, file.name),
    " ",
    el("span", { class: "hint" }, mib(file.size)),
    status,
  );

  const ready = (async () => {
    try {
      const audio = await probeAudio(file, file.name);
      const startedAt = new Date((file.lastModified || Date.now()) - audio.durationMs);
      const start = el("input", { type: "datetime-local", step: 1, value: localInputValue(startedAt) });
      const go = button("Upload", () => void send(), { class: "upload-one" });
      replaceChildren(
        row,
        el("strong", {}, file.name),
        " ",
        el(
          "span",
          { class: "hint" },
          `${mib(file.size)}, ${minutes(audio.durationMs)} of ${audio.format === "wav" ? "WAV" : "Ogg Opus"}`,
        ),
        el("label", {}, "Recording started at", start),
        el("div", { class: "actions" }, go, bar),
        status,
        after,
      );
      let sending = false;
      const send = async () => {
        if (sending || row.dataset.uploaded === "true") return;
        sending = true;
        go.disabled = true;
        start.disabled = true;
        setStatus(status, "info", "Uploading …");
        try {
          const done = await uploadFile({
            api,
            file,
            audio,
            startedAt: new Date(start.value),
            putObject: options.putObject,
            resume: options.resume,
            onProgress: (progress) => {
              bar.value = progress.totalBytes === 0 ? 1 : progress.sentBytes / progress.totalBytes;
              setStatus(
                status,
                "info",
                `Uploading${progress.parts > 1 ? ` part ${progress.part} of ${progress.parts}` : ""}: ${Math.round(bar.value * 100)} %`,
              );
            },
          });
          bar.value = 1;
          row.dataset.uploaded = "true";
          setStatus(status, "ok", `Uploaded${done.parts > 1 ? ` in ${done.parts} parts` : ""}.`);
          // Watched in the background: the next file's upload does not wait for this one's processing.
          void watchDays(api, done.localDates, after, options).catch((error: unknown) =>
            setStatus(status, "error", messageOf(error)),
          );
        } catch (error) {
          go.disabled = false;
          start.disabled = false;
          go.textContent = "Try again";
          sending = false;
          setStatus(
            status,
            "error",
            error instanceof UnsupportedAudioError ? error.message : messageOf(error),
          );
        }
      };
      return send;
    } catch (error) {
      setStatus(status, "error", error instanceof UnsupportedAudioError ? error.message : messageOf(error));
      return undefined;
    }
  })();
  return { row, ready };
}

/** Shows the state of each day the upload landed on, until it is done or failed. */
async function watchDays(api: Api, dates: string[], box: HTMLElement, options: Required<UploadViewOptions>) {
  const today = localDateOf(new Date(), options.timeZone);
  const lines = new Map(dates.map((date) => [date, el("p", { class: "status", role: "status" })]));
  const processNow = button("Process today so far", async () => {
    try {
      const { recordings } = await api.processToday();
      processNow.disabled = true;
      processNow.textContent = `Queued ${plural(recordings, "recording")}`;
    } catch (error) {
      setStatus(lines.get(today) ?? box, "error", messageOf(error));
    }
  });
  replaceChildren(box, ...lines.values(), dates.includes(today) ? processNow : null);
  for (;;) {
    let open = 0;
    for (const date of dates) {
      const { days } = await api.days(date, date);
      const day = days[0];
      const line = lines.get(date);
      if (day === undefined || line === undefined) continue;
      const link = el("a", { href: `#/day/${date}` }, date);
      if (day.state === "done") {
        line.replaceChildren(`Done: ${plural(day.laughs, "laugh")} on `, link, ".");
        line.className = "status ok";
      } else if (day.state === "failed") {
        line.replaceChildren("Processing failed on ", link, ": open the day for why.");
        line.className = "status error";
      } else {
        open++;
        line.replaceChildren(
          day.state === "processing" ? "Processing " : "Waiting for tonight's run: ",
          link,
          day.state === "planned" && date === today ? " (or process it now)." : ".",
        );
        line.className = "status";
      }
    }
    if (open === 0 || !box.isConnected) return;
    await new Promise((resolve) => setTimeout(resolve, options.pollMs));
  }
}

export function uploadView(api: Api, options: UploadViewOptions): HTMLElement {
  const settings: Required<UploadViewOptions> = {
    putObject: xhrPut,
    resume: {
      get: (key) => window.localStorage.getItem(key),
      set: (key, value) => window.localStorage.setItem(key, value),
      remove: (key) => window.localStorage.removeItem(key),
    },
    pollMs: 3000,
    ...options,
  };
  const list = el("ul", { class: "uploads" });
  const picker = el("input", {
    id: "upload-files",
    type: "file",
    multiple: true,
    accept: ".wav,.ogg,.opus,audio/wav,audio/ogg",
  });
  const pending: Promise<(() => Promise<void>) | undefined>[] = [];
  const uploadAll = button(
    "Upload all",
    async () => {
      uploadAll.disabled = true;
      const sends = await Promise.all(pending.splice(0));
      // One file after another: parallel PUTs would only share the same uplink.
      for (const send of sends) await send?.();
    },
    { hidden: true },
  );
  const add = (files: Iterable<File>) => {
    for (const file of files) {
      const { row, ready } = fileRow(api, file, settings);
      list.append(row);
      pending.push(ready);
    }
    uploadAll.hidden = pending.length === 0;
    uploadAll.disabled = false;
  };
  picker.addEventListener("change", () => add(picker.files ?? []));
  const drop = el(
    "div",
    { class: "drop-zone" },
    el("label", { for: "upload-files" }, "Choose audio files"),
    picker,
    el("p", { class: "hint" }, "or drop them here."),
  );
  drop.addEventListener("dragover", (event) => {
    event.preventDefault();
    drop.classList.add("over");
  });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (event) => {
    event.preventDefault();
    drop.classList.remove("over");
    add(event.dataTransfer?.files ?? []);
  });
  return el(
    "section",
    { "aria-labelledby": "upload-title", class: "upload-view" },
    el("p", {}, el("a", { href: "#/" }, "← All days")),
    el("h2", { id: "upload-title" }, "Upload recordings"),
    el("p", { class: "hint" }, SUPPORTED_FORMATS_SENTENCE),
    el(
      "p",
      { class: "hint" },
      "Each file's start time comes from the file's date (when the recorder saved it, at the end); correct it before uploading if needed. Files over the upload limit (WAV or Ogg Opus) are sent in parts; a failed upload continues where it stopped when you try again.",
    ),
    drop,
    list,
    uploadAll,
  );
}
