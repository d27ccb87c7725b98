import { describe, expect, it } from "vitest";
import { escapeHtml, renderNightReport } from "./night-report.ts";

const clip = new Uint8Array([82, 73, 70, 70, 1, 2, 3]);

describe("renderNightReport", () => {
  const html = renderNightReport({
    title: "giggles demo <night>",
    generatedAt: new Date("2026-11-30T05:00:00Z"),
    users: [
      {
        name: 'Ana "<img src=x onerror=alert(1)>"',
        timeZone: "America/Los_Angeles",
        date: "2026-11-29",
        recordings: 3,
        laughs: [
          {
            localTime: "12:00:00",
            durationMs: 2500,
            peakProbability: 0.9,
            meanProbability: 0.4,
            className: "Laughter",
            sourceFile: "laugh_<script>alert(1)</script>.wav",
            clip,
          },
          {
            localTime: "18:00:00",
            durationMs: 1000,
            peakProbability: 0.2,
            meanProbability: 0.1,
            className: "Giggle",
            sourceFile: "b.ogg",
            clip: null,
          },
        ],
      },
    ],
  });

  it("escapes every piece of text: no markup from names or file names", () => {
    expect(html).not.toContain("<script>");
    expect(html).not.toContain("<img");
    expect(html).toContain("laugh_&lt;script&gt;alert(1)&lt;/script&gt;.wav");
    expect(html).toContain("Ana &quot;&lt;img src=x onerror=alert(1)&gt;&quot;");
    expect(html).toContain("<title>giggles demo &lt;night&gt;</title>");
  });

  it("embeds each clip as a data: URL player, with the label, source file and timeline position", () => {
    expect(html).toContain(`src="data:audio/wav;base64,${Buffer.from(clip).toString("base64")}"`);
    expect(html.match(/<audio /g)).toHaveLength(1);
    expect(html).toContain("<em>no clip</em>");
    expect(html).toContain('<td data-label="label">Giggle</td>');
    expect(html).toContain("left:50.000%");
    expect(html).toContain("left:75.000%");
    expect(html).toContain("2 laughs, 3.5 s of laughter, in 3 recordings.");
    // Self-contained: nothing fetched from anywhere.
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
  });

  it("players show their length before they are pressed; rows stack at phone width", () => {
    expect(html).toMatch(/<audio controls preload="metadata" aria-label="Clip of [0-9:]+, [0-9.]+ s"/);
    expect(html).toContain("@media (max-width:40rem)");
    expect(html).toContain("td::before{content:attr(data-label)");
  });

  it("escapeHtml covers the five HTML specials", () => {
    expect(escapeHtml(`&<>"'`)).toBe("&amp;&lt;&gt;&quot;&#39;");
  });
});
