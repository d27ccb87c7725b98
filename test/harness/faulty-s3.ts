/**
 * @module
 * A fault injector in front of the S3 protocol (not a stand-in for S3's behaviour): every PUT is answered
 * the way a broken storage endpoint answers it. `long-error` sends a 500 whose XML `<Message>` is longer
 * than a report may carry; `silent` accepts the request and never answers. The real AWS SDK talks to it.
 */
import { once } from "node:events";
import { createServer, type ServerResponse } from "node:http";

export type S3Fault = "long-error" | "silent";

export interface FaultyS3 {
  endpoint: string;
  /** PUT requests received. */
  puts: number;
  close(): Promise<void>;
}

/** Starts the injector on a free local port. */
export async function startFaultyS3(fault: S3Fault, messageLength = 2_850): Promise<FaultyS3> {
  const held: ServerResponse[] = [];
  const state = { puts: 0 };
  const server = createServer((req, res) => {
    req.resume();
    if (req.method === "PUT") state.puts++;
    if (fault === "silent") {
      held.push(res);
      return;
    }
    const message = "The service is unavailable. "
      .repeat(Math.ceil(messageLength / 28))
      .slice(0, messageLength);
    res.writeHead(500, { "content-type": "application/xml" });
    res.end(
      `<?xml version="1.0" encoding="UTF-8"?><Error><Code>InternalError</Code><Message>${message}</Message></Error>`,
    );
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("faulty S3: no TCP address");
  const { port } = address;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    get puts() {
      return state.puts;
    },
    async close() {
      for (const res of held) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
