/**
 * @module
 * Uploads one audio file through the recordings API: `POST /recordings/parts` plans the parts (one for a
 * file under the single-part limit; equal time ranges for a larger one), each part is registered
 * (`POST /recordings`), PUT to its presigned URL with progress, and confirmed (`POST /recordings/:id/uploaded`).
 * Both formats are cut into standalone parts in the browser: WAV at whole frames (audio-probe.ts `wavPart`),
 * Ogg Opus at page starts (ogg-part.ts), each part registered with the time its audio really covers.
 *
 * Resumable: each finished part, and each registered part's upload URL, is remembered (`resume`, the
 * page's localStorage), so trying the same file again (after a network error or a reload) skips what
 * arrived and re-sends a registered part to its still-valid URL instead of registering it twice.
 */
import { z } from "zod";
import type { Api } from "./api.ts";
import { ApiError } from "./api-error.ts";
import { type ProbedAudio, wavPart } from "./audio-probe.ts";
import { indexOggOpus, oggCuts, oggPartBlob } from "./ogg-part.ts";

export interface UploadProgress {
  sentBytes: number;
  totalBytes: number;
  part: number;
  parts: number;
  /** Local dates the file's parts landed on (their days to watch). */
  localDates: string[];
}

/** PUTs `body` to `url` with `headers`, reporting bytes sent (XMLHttpRequest in the page). */
export type PutObject = (
  url: string,
  headers: Record<string, string>,
  body: Blob,
  onBytes: (sent: number) => void,
) => Promise<void>;

/** Where finished parts are remembered between tries (localStorage in the page). */
export interface ResumeStore {
  get(key: string): string | null;
  set(key: string, value: string): void;
  remove(key: string): void;
}

const resumeStateSchema = z.object({
  /** Part index → the local date it landed on. */
  done: z.record(z.string(), z.string()),
  /** Part index → its registration (upload URL), while not confirmed. */
  registered: z.record(
    z.string(),
    z.object({
      recordingId: z.string(),
      uploadUrl: z.string(),
      uploadHeaders: z.record(z.string(), z.string()),
      uploadExpiresAt: z.string(),
      localDate: z.string(),
    }),
  ),
});
type ResumeState = z.infer<typeof resumeStateSchema>;

function loadResumeState(text: string | null): ResumeState {
  if (text === null) return { done: {}, registered: {} };
  try {
    return resumeStateSchema.parse(JSON.parse(text));
  } catch {
    return { done: {}, registered: {} }; // unreadable: start over (the server refuses duplicates)
  }
}

export interface UploadOptions {
  api: Api;
  file: File;
  audio: ProbedAudio;
  startedAt: Date;
  putObject: PutObject;
  resume: ResumeStore;
  onProgress: (progress: UploadProgress) => void;
  now?: () => number;
}

/** The XMLHttpRequest PUT the page uses (fetch reports no upload progress). */
export const xhrPut: PutObject = (url, headers, body, onBytes) =>
  new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open("PUT", url);
    // content-length is set by the browser from the body (the signed value is the same size).
    for (const [name, value] of Object.entries(headers))
      if (name !== "content-length") request.setRequestHeader(name, value);
    request.upload.addEventListener("progress", (event) => onBytes(event.loaded));
    request.addEventListener("load", () =>
      request.status >= 200 && request.status < 300
        ? resolve()
        : reject(new ApiError(request.status, "UPLOAD_MISSING")),
    );
    request.addEventListener("error", () => reject(new ApiError(0, "NETWORK")));
    request.send(body);
  });

export async function uploadFile({
  api,
  file,
  audio,
  startedAt,
  putObject,
  resume,
  onProgress,
  now = () => Date.now(),
}: UploadOptions): Promise<UploadProgress> {
  const endedAt = new Date(startedAt.getTime() + Math.max(1000, audio.durationMs));
  const whole = {
    startedAt: startedAt.toISOString(),
    endedAt: endedAt.toISOString(),
    format: audio.format,
    sizeBytes: file.size,
    source: "upload",
  };
  const plan = await api.planParts(whole);
  const key = `giggles.upload.${file.name}.${file.size}.${file.lastModified}.${startedAt.getTime()}`;
  const state = loadResumeState(resume.get(key));
  const save = () => resume.set(key, JSON.stringify(state));

  const bodies = await partBodies(file, audio, startedAt, plan.parts);
  const totalBytes = bodies.reduce((sum, { sizeBytes }) => sum + sizeBytes, 0);
  const progress: UploadProgress = {
    sentBytes: 0,
    totalBytes,
    part: 0,
    parts: bodies.length,
    localDates: [],
  };
  let finishedBytes = 0;
  for (const [index, { part, sizeBytes, blob }] of bodies.entries()) {
    progress.part = index + 1;
    const doneDate = state.done[index];
    if (doneDate !== undefined) {
      finishedBytes += sizeBytes;
      progress.sentBytes = finishedBytes;
      if (!progress.localDates.includes(doneDate)) progress.localDates.push(doneDate);
      onProgress({ ...progress });
      continue;
    }
    let registered = state.registered[index];
    if (registered === undefined || Date.parse(registered.uploadExpiresAt) - now() < 60_000) {
      registered = await api.registerRecording({
        ...whole,
        startedAt: part.startedAt,
        endedAt: part.endedAt,
        sizeBytes,
      });
      state.registered[index] = registered;
      save();
    }
    await putObject(registered.uploadUrl, registered.uploadHeaders, await blob(), (sent) => {
      progress.sentBytes = finishedBytes + sent;
      onProgress({ ...progress });
    });
    await api.confirmUpload(registered.recordingId);
    finishedBytes += sizeBytes;
    progress.sentBytes = finishedBytes;
    state.done[index] = registered.localDate;
    delete state.registered[index];
    save();
    if (!progress.localDates.includes(registered.localDate)) progress.localDates.push(registered.localDate);
    onProgress({ ...progress });
  }
  resume.remove(key);
  return progress;
}

interface PartBody {
  /** The time range the part's audio covers. */
  part: { startedAt: string; endedAt: string };
  sizeBytes: number;
  blob: () => Promise<Blob>;
}

/** The planned parts as standalone files: the file itself when one part, else WAV or Ogg Opus cuts. */
async function partBodies(
  file: File,
  audio: ProbedAudio,
  startedAt: Date,
  parts: readonly { startedAt: string; endedAt: string }[],
): Promise<PartBody[]> {
  const only = parts[0];
  if (parts.length === 1 && only !== undefined) {
    return [{ part: only, sizeBytes: file.size, blob: async () => file }];
  }
  const offsetMs = (iso: string) => Date.parse(iso) - startedAt.getTime();
  const { wav } = audio;
  if (wav !== undefined) {
    return parts.map((part) => {
      const blob = wavPart(file, wav, offsetMs(part.startedAt), offsetMs(part.endedAt));
      return { part, sizeBytes: blob.size, blob: async () => blob };
    });
  }
  const layout = await indexOggOpus(file);
  const boundariesMs = [0, ...parts.slice(1).map((part) => offsetMs(part.startedAt)), layout.durationMs];
  const at = (ms: number) => new Date(startedAt.getTime() + Math.round(ms)).toISOString();
  return oggCuts(layout, boundariesMs).map((cut) => ({
    part: { startedAt: at(cut.fromMs), endedAt: at(cut.toMs) },
    sizeBytes: cut.sizeBytes,
    blob: () => oggPartBlob(file, layout, cut),
  }));
}
