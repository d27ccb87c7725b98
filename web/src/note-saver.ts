/**
 * @module
 * Saves a note as the user types: `input` waits `delayMs` after the last keystroke, leaving the field
 * (`change`/`blur`) saves at once, and a save never runs twice in parallel (the newest text wins). The
 * state goes to `onState` for the "Saving … / Saved / error" indicator.
 *
 * @example
 * ```ts
 * const saver = createNoteSaver({ initial: laugh.note ?? "", save: (text) => api.setNote(id, text) , onState });
 * textarea.addEventListener("input", () => saver.changed(textarea.value));
 * textarea.addEventListener("blur", () => void saver.flush());
 * ```
 */
export type NoteSaveState =
  | { kind: "idle" }
  | { kind: "pending" }
  | { kind: "saving" }
  | { kind: "saved" }
  | { kind: "error"; error: unknown };

export interface NoteSaverOptions {
  initial: string;
  /** Stores the text (null for a blank note) and returns what was stored. */
  save: (note: string | null) => Promise<string | null>;
  onState: (state: NoteSaveState) => void;
  delayMs?: number;
}

export interface NoteSaver {
  /** The text changed: save after the pause. */
  changed(text: string): void;
  /** Save now if anything is unsaved (leaving the field). */
  flush(): Promise<void>;
}

export const NOTE_SAVE_DELAY_MS = 800;

export function createNoteSaver({
  initial,
  save,
  onState,
  delayMs = NOTE_SAVE_DELAY_MS,
}: NoteSaverOptions): NoteSaver {
  let saved = initial.trim();
  let latest = initial;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running: Promise<void> | undefined;

  const run = async (): Promise<void> => {
    if (running !== undefined) {
      await running;
      return run();
    }
    const text = latest.trim();
    if (text === saved) return;
    onState({ kind: "saving" });
    running = (async () => {
      try {
        saved = (await save(text === "" ? null : text)) ?? "";
        onState(latest.trim() === saved ? { kind: "saved" } : { kind: "pending" });
      } catch (error) {
        onState({ kind: "error", error });
      } finally {
        running = undefined;
      }
    })();
    await running;
  };

  const flush = async () => {
    clearTimeout(timer);
    timer = undefined;
    await run();
  };

  return {
    changed(text) {
      latest = text;
      clearTimeout(timer);
      if (text.trim() === saved) return;
      onState({ kind: "pending" });
      timer = setTimeout(() => void flush(), delayMs);
    },
    flush,
  };
}
