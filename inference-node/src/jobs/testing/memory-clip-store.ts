import type { ClipStore } from "../clip-store.ts";

/** A ClipStore in a Map, optionally failing the first `failures` puts. */
export function createMemoryClipStore({ failures = 0 }: { failures?: number } = {}) {
  const objects = new Map<string, Uint8Array>();
  let remainingFailures = failures;
  const store: ClipStore & { objects: Map<string, Uint8Array>; puts: number } = {
    objects,
    puts: 0,
    async put(key, wav) {
      store.puts++;
      if (remainingFailures > 0) {
        remainingFailures--;
        throw new Error("SlowDown: injected failure");
      }
      objects.set(key, wav);
    },
    close() {},
  };
  return store;
}
