import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createNoteSaver, type NoteSaveState } from "./note-saver.ts";

describe("note saver", () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  it("saves once after typing pauses, at once on leaving the field, and reports errors", async () => {
    const saved: (string | null)[] = [];
    const states: NoteSaveState["kind"][] = [];
    let fail = false;
    const saver = createNoteSaver({
      initial: "",
      delayMs: 800,
      save: async (note) => {
        if (fail) throw new Error("offline");
        saved.push(note);
        return note;
      },
      onState: (state) => states.push(state.kind),
    });
    saver.changed("h");
    saver.changed("he");
    saver.changed("hello ");
    await vi.advanceTimersByTimeAsync(799);
    expect(saved).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(saved).toEqual(["hello"]);
    expect(states.at(-1)).toBe("saved");

    saver.changed("hello there");
    await saver.flush(); // blur: no wait
    expect(saved).toEqual(["hello", "hello there"]);
    await saver.flush(); // nothing new: no request
    expect(saved).toHaveLength(2);

    saver.changed("   ");
    await saver.flush();
    expect(saved.at(-1)).toBeNull();

    fail = true;
    saver.changed("lost?");
    await saver.flush();
    expect(states.at(-1)).toBe("error");
    fail = false;
    await saver.flush(); // the text is still unsaved: leaving again retries
    expect(saved.at(-1)).toBe("lost?");
  });
});
