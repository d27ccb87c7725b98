/**
 * @module
 * A fault injector for TCP services (a database outage): a local proxy in front of `target` that can be
 * cut (every open connection is reset and new ones are refused at once) and restored. Clients connect to
 * `port` instead of the service's.
 *
 * @example
 * ```ts
 * const cutter = await startTcpCutter({ host: "127.0.0.1", port: db.cluster.port });
 * cutter.cut(); // the database is "down" for whoever connects through cutter.port
 * cutter.restore();
 * ```
 */
import { once } from "node:events";
import { connect, createServer, type Socket } from "node:net";

export interface TcpCutter {
  port: number;
  /** Resets every proxied connection and refuses new ones until `restore()`. */
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

export async function startTcpCutter(target: { host: string; port: number }): Promise<TcpCutter> {
  const open = new Set<Socket>();
  let down = false;
  const server = createServer((client) => {
    if (down) {
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(target.port, target.host);
    for (const socket of [client, upstream]) {
      open.add(socket);
      socket.on("close", () => open.delete(socket));
      socket.on("error", () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("tcp-cutter: no port");
  return {
    port: address.port,
    cut() {
      down = true;
      for (const socket of open) socket.resetAndDestroy();
    },
    restore() {
      down = false;
    },
    async close() {
      for (const socket of open) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
