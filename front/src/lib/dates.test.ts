import { describe, expect, it } from "vitest";

import {
  businessToday,
  dateRangeProblem,
  dayStartInstant,
  daysInRange,
  formatBusinessDate,
  formatDate,
  formatDateTime,
  shiftDate,
} from "./dates";

describe("dayStartInstant", () => {
  it("is midnight of the business day on the shop's clock, not the visitor's", () => {
    expect(dayStartInstant("2026-03-01", "Asia/Shanghai")).toBe("2026-02-28T16:00:00.000Z");
    expect(dayStartInstant("2026-03-01", "America/New_York")).toBe("2026-03-01T05:00:00.000Z");
  });

  it("follows daylight saving time: the day the clocks go forward has 23 hours, back 25", () => {
    expect(dayStartInstant("2026-03-08", "America/New_York")).toBe("2026-03-08T05:00:00.000Z");
    expect(dayStartInstant("2026-03-08", "America/New_York", 1)).toBe("2026-03-09T04:00:00.000Z");
    expect(dayStartInstant("2026-11-01", "America/New_York")).toBe("2026-11-01T04:00:00.000Z");
    expect(dayStartInstant("2026-11-01", "America/New_York", 1)).toBe("2026-11-02T05:00:00.000Z");
  });

  it("starts a day whose midnight the clocks skip at its first real instant", () => {
    // Chile moves from 00:00 to 01:00: 01:00 at UTC-3.
    expect(dayStartInstant("2026-09-06", "America/Santiago")).toBe("2026-09-06T04:00:00.000Z");
  });

  it("moves by whole days, across the end of a month and a year", () => {
    expect(dayStartInstant("2026-02-28", "Asia/Shanghai", 1)).toBe("2026-02-28T16:00:00.000Z");
    expect(dayStartInstant("2026-12-31", "Asia/Shanghai", 1)).toBe("2026-12-31T16:00:00.000Z");
  });

  it("is null for an empty, malformed or impossible date", () => {
    for (const value of ["", "01/03/2026", "2026-3-1", "2026-02-30", "2026-13-01"]) {
      expect(dayStartInstant(value, "Asia/Shanghai")).toBeNull();
    }
  });
});

describe("businessToday", () => {
  it("is the date on the shop's clock at that instant", () => {
    const instant = new Date("2026-12-06T17:00:00Z");
    expect(businessToday("Asia/Shanghai", instant)).toBe("2026-12-07");
    expect(businessToday("America/New_York", instant)).toBe("2026-12-06");
  });

  it("turns at the shop's midnight, daylight saving time included", () => {
    expect(businessToday("America/New_York", new Date("2026-07-01T03:59:59Z"))).toBe("2026-06-30");
    expect(businessToday("America/New_York", new Date("2026-07-01T04:00:00Z"))).toBe("2026-07-01");
    expect(businessToday("America/New_York", new Date("2026-01-01T04:59:59Z"))).toBe("2025-12-31");
    expect(businessToday("America/New_York", new Date("2026-01-01T05:00:00Z"))).toBe("2026-01-01");
  });
});

describe("shiftDate and daysInRange", () => {
  it("count calendar days, across a month, a leap day and a change of clocks", () => {
    expect(shiftDate("2026-03-01", -29)).toBe("2026-01-31");
    expect(shiftDate("2028-02-28", 1)).toBe("2028-02-29");
    expect(shiftDate("2026-03-07", 2)).toBe("2026-03-09");
    expect(daysInRange("2026-01-31", "2026-03-01")).toBe(30);
    expect(daysInRange("2026-03-01", "2026-03-01")).toBe(1);
  });
});

describe("dateRangeProblem", () => {
  it("accepts one day up to a leap year's 366", () => {
    expect(dateRangeProblem("2026-03-01", "2026-03-01")).toBeNull();
    expect(dateRangeProblem("2028-01-01", "2028-12-31")).toBeNull();
  });

  it("refuses a range that ends before it starts", () => {
    expect(dateRangeProblem("2026-03-02", "2026-03-01")).toBe("reversed");
  });

  it("refuses more than 366 days, as the API does", () => {
    expect(dateRangeProblem("2026-01-01", "2027-01-02")).toBe("tooLong");
    expect(dateRangeProblem("2026-01-01", "2027-01-01")).toBeNull();
  });

  it("refuses what is not a date", () => {
    expect(dateRangeProblem("", "2026-03-01")).toBe("invalid");
    expect(dateRangeProblem("2026-03-01", "2026-02-30")).toBe("invalid");
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

describe("formatBusinessDate", () => {
  it("writes the day itself in the visitor's language, whatever the machine's zone", () => {
    expect(formatBusinessDate("2026-12-06", "en", { dateStyle: "medium" })).toBe("Dec 6, 2026");
    expect(formatBusinessDate("2026-12-06", "zh-CN", { dateStyle: "medium" })).toBe("2026年12月6日");
    expect(formatBusinessDate("2026-01-01", "en", { month: "numeric", day: "numeric" })).toBe("1/1");
  });
});
