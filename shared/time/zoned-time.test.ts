import { describe, expect, it } from "vitest";
import {
  addDays,
  assertTimeZone,
  localDateOf,
  localDayBounds,
  localTimeOf,
  parseLocalDate,
  zonedTimeToInstant,
  zoneOffsetMs,
} from "./zoned-time.ts";

const hours = (ms: number) => ms / 3_600_000;

describe("zoned time", () => {
  it("cuts days in the user's zone, not UTC", () => {
    const instant = new Date("2026-11-28T20:00:00Z");
    expect(localDateOf(instant, "UTC")).toBe("2026-11-28");
    expect(localDateOf(instant, "Asia/Kolkata")).toBe("2026-11-29");
    expect(localTimeOf(instant, "Asia/Kolkata")).toBe("01:30:00");
    expect(localDateOf(instant, "America/Los_Angeles")).toBe("2026-11-28");
  });

  it("knows odd offsets", () => {
    expect(hours(zoneOffsetMs(new Date("2026-07-01T00:00:00Z"), "Asia/Kolkata"))).toBe(5.5);
    expect(hours(zoneOffsetMs(new Date("2026-07-01T00:00:00Z"), "Pacific/Chatham"))).toBe(12.75);
    expect(hours(zoneOffsetMs(new Date("2026-01-01T00:00:00Z"), "Pacific/Chatham"))).toBe(13.75);
  });

  it("has 23- and 25-hour days at the DST changes", () => {
    const spring = localDayBounds("2026-03-08", "America/New_York");
    expect(spring.start.toISOString()).toBe("2026-03-08T05:00:00.000Z");
    expect(hours(spring.end.getTime() - spring.start.getTime())).toBe(23);
    const autumn = localDayBounds("2026-11-01", "America/New_York");
    expect(hours(autumn.end.getTime() - autumn.start.getTime())).toBe(25);
    const london = localDayBounds("2026-03-29", "Europe/London");
    expect(hours(london.end.getTime() - london.start.getTime())).toBe(23);
    const chatham = localDayBounds("2026-04-05", "Pacific/Chatham");
    expect(hours(chatham.end.getTime() - chatham.start.getTime())).toBe(25);
  });

  it("maps wall times to instants, through gaps and overlaps", () => {
    expect(zonedTimeToInstant("2026-06-15", "23:45", "Pacific/Chatham").toISOString()).toBe(
      "2026-06-15T11:00:00.000Z",
    );
    // 02:30 does not exist on 2026-03-08 in New York: the clock reads 03:30 then.
    expect(
      localTimeOf(zonedTimeToInstant("2026-03-08", "02:30", "America/New_York"), "America/New_York"),
    ).toBe("03:30:00");
    // 01:30 happens twice on 2026-11-01: the earlier (EDT) one.
    expect(zonedTimeToInstant("2026-11-01", "01:30", "America/New_York").toISOString()).toBe(
      "2026-11-01T05:30:00.000Z",
    );
  });

  it("validates dates and zones with clear errors", () => {
    expect(addDays("2026-12-31", 1)).toBe("2027-01-01");
    expect(addDays("2026-03-01", -1)).toBe("2026-02-28");
    expect(() => parseLocalDate("2026-02-30")).toThrow(/not a calendar date/);
    expect(() => zonedTimeToInstant("2026-01-01", "25:00", "UTC")).toThrow(RangeError);
    expect(() => assertTimeZone("Mars/Olympus")).toThrow(/unknown time zone "Mars\/Olympus"/);
  });
});
