// Test double for the inference worker's entry (issue 10 item 15): the real worker, except that the thread
// exits on its second batch, as a worker killed by a crash or an OOM would.
import { parentPort } from "node:worker_threads";

let runs = 0;
parentPort.on("message", (message) => {
  if (!("type" in message) && ++runs === 2) process.exit(70);
});
await import("../../inference-node/src/engine/inference-worker.mjs");
