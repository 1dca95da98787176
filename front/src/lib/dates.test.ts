import { describe, expect, it } from "vitest";

import { dayStartInstant, formatDate, formatDateTime } from "./dates";

describe("dayStartInstant", () => {
  it("is local midnight of the picked day", () => {
    expect(dayStartInstant("2026-03-01")).toBe(new Date(2026, 2, 1).toISOString());
  });

  it("moves by whole days, across the end of a month and a year", () => {
    expect(dayStartInstant("2026-02-28", 1)).toBe(new Date(2026, 2, 1).toISOString());
    expect(dayStartInstant("2026-12-31", 1)).toBe(new Date(2027, 0, 1).toISOString());
  });

  it("is null for an empty or malformed value", () => {
    expect(dayStartInstant("")).toBeNull();
    expect(dayStartInstant("01/03/2026")).toBeNull();
    expect(dayStartInstant("2026-3-1")).toBeNull();
  });
});

describe("formatDateTime", () => {
  it("shows the instant on the shop's clock, labelled with its zone", () => {
    expect(formatDateTime("2026-12-06T12:15:00Z", "Asia/Shanghai")).toBe("2026-12-06 20:15 (Asia/Shanghai)");
    expect(formatDateTime("2026-12-06T12:15:00Z", "UTC")).toBe("2026-12-06 12:15 (UTC)");
  });

  it("moves to the next day past the shop's midnight", () => {
    expect(formatDateTime("2026-12-06T23:30:00Z", "Asia/Shanghai")).toBe("2026-12-07 07:30 (Asia/Shanghai)");
    expect(formatDateTime("2026-12-07T03:00:00Z", "America/Los_Angeles")).toBe("2026-12-06 19:00 (America/Los_Angeles)");
  });

  it("writes midnight as 00, not 24", () => {
    expect(formatDateTime("2026-12-06T16:00:00Z", "Asia/Shanghai")).toBe("2026-12-07 00:00 (Asia/Shanghai)");
  });
});

describe("formatDate", () => {
  it("is the day on the shop's clock, in the visitor's language", () => {
    expect(formatDate("2026-12-06T23:30:00Z", { locale: "en", timeZone: "Asia/Shanghai" })).toBe("Dec 7, 2026");
    expect(formatDate("2026-12-06T23:30:00Z", { locale: "zh-CN", timeZone: "Asia/Shanghai" })).toBe("2026年12月7日");
    expect(formatDate("2026-12-06T23:30:00Z", { locale: "en", timeZone: "UTC" })).toBe("Dec 6, 2026");
  });
});
