/**
 * Fault suite (issue 10 item 14), on a real node process: SIGTERM with 50 half-sent /infer requests
 * open. On the old listener the process was still alive a minute later (systemd kills at 45 s); now the
 * drain cuts them after its grace period and the process exits 0.
 */
import { once } from "node:events";
import { connect, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type S3Endpoint, startS3 } from "../harness/s3.ts";
import {
  engineAvailable,
  type NodeProcess,
  startNodeProcess,
} from "../integration/inference-node-process.ts";

describe.skipIf(!engineAvailable)("inference node drain (real process)", () => {
  let s3: S3Endpoint;
  let node: NodeProcess;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    s3 = await startS3();
    node = await startNodeProcess(s3, { NODE_SHUTDOWN_GRACE_MS: "2000" });
  });

  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await node?.stop("SIGKILL");
    await s3?.stop();
  });

  it("exits 0 on SIGTERM although 50 slow /infer requests are still sending their bodies", async () => {
    for (let i = 0; i < 50; i++) {
      const socket = connect(node.port, "127.0.0.1");
      socket.on("error", () => {});
      socket.resume();
      await once(socket, "connect");
      socket.write(
        `POST /infer HTTP/1.1\r\nHost: node\r\nContent-Type: application/json\r\nContent-Length: 1048576\r\n\r\n{"jobs":`,
      );
      sockets.push(socket);
    }
    node.process.kill("SIGTERM");
    const exitCode = await Promise.race([
      node.exited,
      new Promise<"still running">((resolve) => setTimeout(() => resolve("still running"), 30_000)),
    ]);
    expect(exitCode, node.output().slice(-2000)).toBe(0);
    expect(node.logs().at(-1)?.event).toBe("shutdown_complete");
  });
});
