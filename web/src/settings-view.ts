/**
 * @module
 * Settings: time zone, the Limitless key (only when this server has the key endpoint), reprocessing a
 * date range (with progress), processing today so far, and deleting all data.
 */
import { addDays, localDateOf } from "../../shared/time/zoned-time.ts";
import type { Api } from "./api.ts";
import { messageOf } from "./api-error.ts";
import { button, el, replaceChildren, setStatus } from "./dom.ts";
import { plural } from "./format.ts";

function timeZoneForm(api: Api, timeZone: string, onChanged: (zone: string) => void): HTMLElement {
  const input = el("input", { id: "time-zone", list: "time-zones", autocomplete: "off", required: true });
  input.value = timeZone;
  const zones = el(
    "datalist",
    { id: "time-zones" },
    ...Intl.supportedValuesOf("timeZone").map((z) => el("option", { value: z })),
  );
  const status = el("p", { role: "status", class: "status" });
  const form = el(
    "form",
    { class: "card", "aria-labelledby": "tz-title" },
    el("h3", { id: "tz-title" }, "Time zone"),
    el(
      "p",
      { class: "hint" },
      "Your days are cut at midnight in this zone. A change applies from now on: recordings made before it keep the zone they were made in, and days already recorded keep their dates and times.",
    ),
    el("label", { for: "time-zone" }, "Time zone"),
    input,
    zones,
    el("button", { type: "submit" }, "Save time zone"),
    status,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const saved = await api.setTimeZone(input.value.trim());
      setStatus(status, "ok", `Saved: ${saved.timeZone}`);
      onChanged(saved.timeZone);
    } catch (error) {
      setStatus(status, "error", messageOf(error));
    }
  });
  return form;
}

/** What each key state means to the user (401 and 403 keys are re-checked every few hours). */
const KEY_STATE_TEXT = {
  none: "no key stored",
  valid: "valid",
  invalid: "rejected by Limitless (checked again every few hours; or save a new key)",
  forbidden: "not allowed to download by Limitless (checked again every few hours)",
} as const;

async function limitlessSection(api: Api): Promise<HTMLElement> {
  const section = el("section", { class: "card", "aria-labelledby": "limitless-title" });
  const render = async () => {
    const status = await api.limitlessKeyStatus().catch(() => undefined);
    if (status === undefined) {
      replaceChildren(
        section,
        el("h3", { id: "limitless-title" }, "Limitless key"),
        el(
          "p",
          { class: "hint", "data-testid": "limitless-unavailable" },
          "Not available on this server yet.",
        ),
      );
      return;
    }
    const key = el("input", { id: "limitless-key", type: "password", autocomplete: "off" });
    const message = el("p", { role: "status", class: "status" });
    replaceChildren(
      section,
      el("h3", { id: "limitless-title" }, "Limitless key"),
      el("p", { "data-testid": "limitless-status" }, `Status: ${KEY_STATE_TEXT[status.status]}`),
      el("label", { for: "limitless-key" }, "New API key"),
      key,
      el(
        "div",
        { class: "actions" },
        button("Save key", async () => {
          try {
            await api.setLimitlessKey(key.value);
            await render();
          } catch (error) {
            setStatus(message, "error", messageOf(error));
          }
        }),
        status.status === "none"
          ? null
          : button(
              "Remove key",
              async () => {
                await api.removeLimitlessKey().catch((error) => {
                  setStatus(message, "error", messageOf(error));
                });
                await render();
              },
              { class: "danger" },
            ),
      ),
      message,
    );
  };
  await render();
  return section;
}

function reprocessForm(api: Api, timeZone: string): HTMLElement {
  const today = localDateOf(new Date(), timeZone);
  const from = el("input", { id: "reprocess-from", type: "date", required: true, value: addDays(today, -7) });
  const to = el("input", { id: "reprocess-to", type: "date", required: true, value: addDays(today, -1) });
  const status = el("p", { role: "status", class: "status" });
  const form = el(
    "form",
    { class: "card", "aria-labelledby": "reprocess-title" },
    el("h3", { id: "reprocess-title" }, "Reprocess days"),
    el(
      "p",
      { class: "hint" },
      "Runs detection again on these days' recordings. Laughs you deleted stay deleted, and your notes move to the matching new laughs.",
    ),
    el("label", { for: "reprocess-from" }, "From"),
    from,
    el("label", { for: "reprocess-to" }, "To"),
    to,
    el("button", { type: "submit" }, "Reprocess"),
    status,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const { requestId, recordings } = await api.reprocess(from.value, to.value);
      setStatus(status, "ok", `Queued ${plural(recordings, "recording")}.`);
      for (let i = 0; i < 600; i++) {
        const progress = await api.reprocessProgress(requestId);
        setStatus(
          status,
          progress.failed > 0 ? "error" : progress.finished ? "ok" : "info",
          progress.finished
            ? `Done: ${progress.done} processed, ${progress.failed} failed.`
            : `Working: ${progress.done} of ${progress.recordings} done, ${progress.queued} waiting.`,
        );
        if (progress.finished) break;
        await new Promise((resolve) => setTimeout(resolve, 3000));
      }
    } catch (error) {
      setStatus(status, "error", messageOf(error));
    }
  });
  return form;
}

function processTodayForm(api: Api): HTMLElement {
  const status = el("p", { role: "status", class: "status" });
  return el(
    "section",
    { class: "card", "aria-labelledby": "today-title" },
    el("h3", { id: "today-title" }, "Today so far"),
    el("p", { class: "hint" }, "Process today's uploads now instead of tonight."),
    button("Process today so far", async () => {
      try {
        const { recordings } = await api.processToday();
        setStatus(status, "ok", `Queued ${plural(recordings, "recording")}.`);
      } catch (error) {
        setStatus(status, "error", messageOf(error));
      }
    }),
    status,
  );
}

function deleteAllForm(api: Api, onDeleted: () => void): HTMLElement {
  const confirmation = el("input", { id: "delete-confirm", autocomplete: "off" });
  const status = el("p", { role: "status", class: "status" });
  const form = el(
    "form",
    { class: "card danger-zone", "aria-labelledby": "delete-title" },
    el("h3", { id: "delete-title" }, "Delete all my data"),
    el(
      "p",
      { class: "hint" },
      "Deletes every recording, laugh, note and clip of yours. Your account and settings stay.",
    ),
    el("label", { for: "delete-confirm" }, 'Type "delete" to confirm'),
    confirmation,
    el("button", { type: "submit", class: "danger" }, "Delete all my data"),
    status,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (confirmation.value.trim().toLowerCase() !== "delete") {
      setStatus(status, "error", 'Type "delete" first.');
      return;
    }
    setStatus(status, "info", "Deleting …");
    try {
      const result = await api.deleteAllData();
      setStatus(
        status,
        "ok",
        `Deleted ${plural(result.recordings, "recording")}, ${plural(result.events, "laugh")} and ${plural(result.objects.recordings + result.objects.clips, "file")}.`,
      );
      onDeleted();
    } catch (error) {
      setStatus(status, "error", messageOf(error));
    }
  });
  return form;
}

export async function settingsView(
  api: Api,
  timeZone: string,
  onTimeZone: (zone: string) => void,
): Promise<HTMLElement> {
  return el(
    "section",
    { "aria-labelledby": "settings-title", class: "settings" },
    el("p", {}, el("a", { href: "#/" }, "← All days")),
    el("h2", { id: "settings-title" }, "Settings"),
    timeZoneForm(api, timeZone, onTimeZone),
    await limitlessSection(api),
    reprocessForm(api, timeZone),
    processTodayForm(api),
    deleteAllForm(api, () => {}),
  );
}
