/**
 * A real `createApi` over a fake `fetch` that answers the user API's routes from plain objects, and
 * records every request (so tests can count them). For the views' unit tests (happy-dom).
 */
import type { Day, LaughEvent, LaughsResponse } from "../../shared/api/user-api.ts";
import { createApi } from "../src/api.ts";

export interface FakeServer {
  days: Map<string, Day>;
  laughs: Map<string, LaughEvent[]>;
  /** Recordings read in part, per date and kind. */
  decodeWarnings: Map<string, { truncated?: number; corrupt?: number }>;
  requests: { method: string; path: string; body: unknown }[];
  /** Answer this code instead, once per listed path prefix. */
  failNext: Map<string, { status: number; code: string }>;
}

export function emptyDay(date: string, patch: Partial<Day> = {}): Day {
  return {
    date,
    laughs: 0,
    laughSeconds: 0,
    recordings: 0,
    planned: 0,
    processing: 0,
    done: 0,
    failed: 0,
    state: "empty",
    failureReasons: [],
    ...patch,
  };
}

export function laugh(id: number, localTime: string, patch: Partial<LaughEvent> = {}): LaughEvent {
  return {
    id: `00000000-0000-4000-8000-${String(id).padStart(12, "0")}`,
    startsAt: `2026-11-21T${localTime}.000Z`,
    endsAt: `2026-11-21T${localTime}.000Z`,
    localTime,
    durationMs: 2000,
    peakProbability: 0.97,
    meanProbability: 0.8,
    className: "Laughter",
    note: null,
    clipUrl: `https://storage.example/clips/${id}.wav?X-Amz-Expires=300&v=1`,
    ...patch,
  };
}

const json = (status: number, body: unknown) =>
  new Response(body === null ? null : JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json" },
  });

export function fakeServer(): FakeServer {
  return { days: new Map(), laughs: new Map(), decodeWarnings: new Map(), requests: [], failNext: new Map() };
}

export function fakeApi(server: FakeServer, timeZone = "UTC") {
  let version = 1;
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const url = new URL(String(input));
    const path = url.pathname.replace(/^\/functions\/v1\//, "");
    const body = typeof init?.body === "string" ? JSON.parse(init.body) : undefined;
    const method = init?.method ?? "GET";
    server.requests.push({ method, path: `${path}${url.search}`, body });
    for (const [prefix, failure] of server.failNext) {
      if (path.startsWith(prefix)) {
        server.failNext.delete(prefix);
        return json(failure.status, { error: { code: failure.code, message: "raw server text" } });
      }
    }
    if (path === "laughs") {
      const date = url.searchParams.get("date") ?? "";
      const events = (server.laughs.get(date) ?? []).map((event) => ({
        ...event,
        clipUrl: event.clipUrl?.replace(/v=\d+/, `v=${version}`) ?? null,
      }));
      version += 1;
      const answer: LaughsResponse = {
        date,
        timeZone,
        summary: {
          laughs: events.length,
          laughSeconds: events.reduce((sum, e) => sum + e.durationMs / 1000, 0),
          recordingsDone: 1,
          recordingsPending: 0,
          recordingsFailed: 0,
          recordingsWithDecodeWarning:
            (server.decodeWarnings.get(date)?.truncated ?? 0) +
            (server.decodeWarnings.get(date)?.corrupt ?? 0),
          recordingsTruncated: server.decodeWarnings.get(date)?.truncated ?? 0,
          recordingsCorrupt: server.decodeWarnings.get(date)?.corrupt ?? 0,
        },
        events,
      };
      return json(200, answer);
    }
    if (path === "me/days") {
      const from = url.searchParams.get("from") ?? "";
      const to = url.searchParams.get("to") ?? "";
      const days: Day[] = [];
      for (
        let d = new Date(`${to}T00:00:00Z`);
        d >= new Date(`${from}T00:00:00Z`);
        d.setUTCDate(d.getUTCDate() - 1)
      ) {
        const date = d.toISOString().slice(0, 10);
        days.push(server.days.get(date) ?? emptyDay(date));
      }
      return json(200, { timeZone, days });
    }
    const note = /^me\/events\/([^/]+)$/.exec(path);
    if (note !== null && method === "PATCH") return json(200, { id: note[1], note: body.note });
    if (note !== null && method === "DELETE") return json(204, null);
    if (path === "me/process-today") return json(202, { localDate: "2026-11-21", recordings: 1 });
    return json(404, { error: { code: "NOT_FOUND", message: "no such route" } });
  };
  return createApi({ supabaseUrl: "https://project.example", accessToken: async () => "token", fetch });
}
