import { describe, expect, it } from "vitest";

import { dayStartInstant } from "./dates";

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
