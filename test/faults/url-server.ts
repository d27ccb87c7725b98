/**
 * @module
 * A local HTTP server for the URL-input faults: serves one body at `/audio`, redirects `/moved` there
 * (302), cuts the connection halfway at `/cut`, at `/exact` sends the whole body chunked (no
 * Content-Length), drops the socket after the last byte, then answers any Range with 416 `bytes STAR/N`, and at
 * `/close` sends it whole with `Connection: close`, so the socket ends (FIN) right after the last byte, as
 * an HTTP/1.0 server (`python3 -m http.server`) does: the case that crashed undici < 8.6 (issue 19 item 8).
 */
import { once } from "node:events";
import { createServer } from "node:http";

export interface UrlServer {
  url(path: string): string;
  requests: { path: string; range?: string }[];
  close(): Promise<void>;
}

export async function startUrlServer(body: Uint8Array): Promise<UrlServer> {
  const requests: { path: string; range?: string }[] = [];
  const server = createServer((req, res) => {
    const path = req.url ?? "/";
    requests.push({ path, ...(req.headers.range === undefined ? {} : { range: req.headers.range }) });
    if (path === "/moved") {
      res.writeHead(302, { location: "/audio" }).end();
    } else if (path === "/audio") {
      res.writeHead(200, { "content-length": String(body.length) }).end(body);
    } else if (path === "/close") {
      res.writeHead(200, { "content-length": String(body.length), connection: "close" }).end(body);
    } else if (path === "/cut") {
      res.writeHead(200, { "content-length": String(body.length) });
      res.write(body.subarray(0, body.length >> 1), () => res.destroy());
    } else if (path === "/exact") {
      if (req.headers.range !== undefined) {
        res.writeHead(416, { "content-range": `bytes */${body.length}` }).end();
        return;
      }
      res.writeHead(200, { "transfer-encoding": "chunked" });
      res.write(body, () => setTimeout(() => res.destroy(), 20));
    } else {
      res.writeHead(404).end();
    }
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("url server: no TCP address");
  return {
    url: (path) => `http://127.0.0.1:${address.port}${path}`,
    requests,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
