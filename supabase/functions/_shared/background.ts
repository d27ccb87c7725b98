/**
 * @module
 * Work that outlives the response. On Supabase's Edge Runtime, `EdgeRuntime.waitUntil(promise)` keeps the
 * worker alive until the promise settles (up to the wall-clock limit), after the response has been sent.
 * Under the Deno CLI (local stack, tests) there is no EdgeRuntime: the server keeps the process alive, and
 * the promise is held in a set until it settles, so it is neither dropped nor unhandled.
 *
 * @see https://supabase.com/docs/guides/functions/background-tasks
 *
 * @example
 * ```ts
 * const runInBackground = backgroundRunner();
 * runInBackground(doLongWork());
 * return c.json({ started: true }, 202);
 * ```
 */

export type RunInBackground = (task: Promise<unknown>) => void;

interface WaitUntil {
  waitUntil(promise: Promise<unknown>): void;
}

function hasWaitUntil(value: unknown): value is WaitUntil {
  return typeof value === "object" && value !== null && typeof Reflect.get(value, "waitUntil") === "function";
}

/** `EdgeRuntime.waitUntil` when the runtime has it, else the local equivalent. */
export function backgroundRunner(runtime: unknown = Reflect.get(globalThis, "EdgeRuntime")): RunInBackground {
  if (hasWaitUntil(runtime)) return (task) => runtime.waitUntil(task);
  const pending = new Set<Promise<unknown>>();
  return (task) => {
    const held: Promise<void> = task
      .then(
        () => {},
        (error) => {
          const message = error instanceof Error ? error.message : String(error);
          console.error(JSON.stringify({ level: "error", event: "background_task_failed", error: message }));
        },
      )
      .finally(() => pending.delete(held));
    pending.add(held);
  };
}
