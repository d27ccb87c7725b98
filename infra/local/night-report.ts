/**
 * @module
 * The demo's night report: one self-contained HTML file (no network, no scripts) with, per user, the day's
 * timeline and each laugh with its local time, length, probabilities, label, the recording file it came
 * from, and an `<audio>` player whose clip is embedded as a `data:` URL (copied before the stack stops).
 * Every piece of text is HTML-escaped.
 *
 * @example
 * ```ts
 * writeFileSync(path, renderNightReport({ title: "giggles demo", generatedAt: new Date(), users }));
 * ```
 */

export interface ReportLaugh {
  /** Wall-clock start in the user's zone, HH:MM:SS. */
  localTime: string;
  durationMs: number;
  peakProbability: number;
  meanProbability: number;
  /** The label (AudioSet class name). */
  className: string;
  /** The uploaded file this laugh was found in. */
  sourceFile: string;
  /** The WAV clip's bytes, or null when the laugh has none. */
  clip: Uint8Array | null;
}

export interface ReportUser {
  name: string;
  timeZone: string;
  /** The local date shown. */
  date: string;
  recordings: number;
  laughs: ReportLaugh[];
}

export interface NightReport {
  title: string;
  generatedAt: Date;
  users: ReportUser[];
}

const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Text or attribute value → HTML-safe. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ESCAPES[ch] ?? ch);
}

function secondsOfDay(localTime: string): number {
  const [h, m, s] = localTime.split(":").map(Number);
  return h * 3600 + m * 60 + s;
}

function timeline(laughs: ReportLaugh[]): string {
  const marks = laughs
    .map((laugh) => {
      const left = ((secondsOfDay(laugh.localTime) / 86_400) * 100).toFixed(3);
      const opacity = (0.35 + 0.65 * laugh.peakProbability).toFixed(2);
      return `<span class="mark" style="left:${left}%;opacity:${opacity}" title="${escapeHtml(laugh.localTime)}"></span>`;
    })
    .join("");
  const ticks = [0, 6, 12, 18, 24]
    .map((h) => `<span style="left:${(h / 24) * 100}%">${String(h).padStart(2, "0")}:00</span>`)
    .join("");
  return `<div class="track" role="img" aria-label="${laughs.length} laughs over the day">${marks}</div><div class="ticks">${ticks}</div>`;
}

function laughRow(laugh: ReportLaugh): string {
  const player =
    laugh.clip === null
      ? "<em>no clip</em>"
      : // The clip is in the file (no network): preload its metadata so the player shows its length.
        `<audio controls preload="metadata" aria-label="Clip of ${escapeHtml(laugh.localTime)}, ${(laugh.durationMs / 1000).toFixed(1)} s" src="data:audio/wav;base64,${Buffer.from(laugh.clip).toString("base64")}"></audio>`;
  return `<tr>
  <td data-label="local time">${escapeHtml(laugh.localTime)}</td>
  <td data-label="length">${(laugh.durationMs / 1000).toFixed(1)} s</td>
  <td data-label="peak / mean">${laugh.peakProbability.toFixed(2)} / ${laugh.meanProbability.toFixed(2)}</td>
  <td data-label="label">${escapeHtml(laugh.className)}</td>
  <td data-label="source file" class="file">${escapeHtml(laugh.sourceFile)}</td>
  <td data-label="clip">${player}</td>
</tr>`;
}

function userSection(user: ReportUser): string {
  const seconds = user.laughs.reduce((sum, laugh) => sum + laugh.durationMs, 0) / 1000;
  return `<section>
<h2>${escapeHtml(user.name)} — ${escapeHtml(user.date)} <small>(${escapeHtml(user.timeZone)})</small></h2>
<p>${user.laughs.length} laughs, ${seconds.toFixed(1)} s of laughter, in ${user.recordings} recordings.</p>
${timeline(user.laughs)}
<table>
<thead><tr><th>local time</th><th>length</th><th>peak / mean</th><th>label</th><th>source file</th><th>clip</th></tr></thead>
<tbody>
${user.laughs.map(laughRow).join("\n")}
</tbody>
</table>
</section>`;
}

export function renderNightReport(report: NightReport): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(report.title)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:0 auto;max-width:70rem;padding:1rem;color:#1d1d1f}
h1{color:#b4234d}
table{border-collapse:collapse;width:100%;margin:1rem 0 2rem}
th,td{border-bottom:1px solid #ddd;padding:.35rem .5rem;text-align:left;vertical-align:middle}
td.file{font-family:ui-monospace,monospace;font-size:.85rem;overflow-wrap:anywhere}
audio{width:14rem;max-width:100%}
.track{position:relative;height:2rem;border:1px solid #ccd;border-radius:.3rem;background:linear-gradient(to right,#eef 0 25%,#fff8e8 25% 75%,#eef 75%)}
.mark{position:absolute;top:.2rem;bottom:.2rem;width:.4rem;margin-left:-.2rem;background:#b4234d;border-radius:.2rem}
.ticks{position:relative;height:1.2rem;font-size:.75rem;color:#666}
.ticks span{position:absolute;transform:translateX(-50%)}
.ticks span:first-child{transform:none}.ticks span:last-child{transform:translateX(-100%)}
@media (max-width:40rem){
body{padding:.6rem}
table,tbody,tr,td{display:block;width:auto}
thead{display:none}
tr{border-bottom:1px solid #ccd;padding:.4rem 0}
td{border:none;padding:.15rem 0}
td::before{content:attr(data-label) ": ";color:#666;font-size:.8rem}
audio{width:100%}
}
</style>
</head>
<body>
<h1>${escapeHtml(report.title)}</h1>
<p>Generated ${escapeHtml(report.generatedAt.toISOString())}. Clips are embedded: this file plays them without the stack.</p>
${report.users.map(userSection).join("\n")}
</body>
</html>
`;
}
