import { describe, expect, it } from "vitest";

import { parsePeriodFilters, periodFiltersQuery, periodOf, presetFilters, presetOf } from "./period";

const TODAY = "2026-03-10";

describe("periodOf", () => {
  it("is the last 30 days up to today when the address names none", () => {
    expect(periodOf({ from: "", to: "" }, TODAY)).toEqual({ from: "2026-02-09", to: TODAY });
  });

  it("ends 30 days after a start alone, or 30 days before an end alone, at today", () => {
    expect(periodOf({ from: "", to: "2026-01-31" }, TODAY)).toEqual({ from: "2026-01-02", to: "2026-01-31" });
    expect(periodOf({ from: "2026-03-01", to: "" }, TODAY)).toEqual({ from: "2026-03-01", to: TODAY });
  });

  it("keeps what the address says as it is, for the range check to judge", () => {
    expect(periodOf({ from: "2026-03-05", to: "2026-03-01" }, TODAY)).toEqual({ from: "2026-03-05", to: "2026-03-01" });
    expect(periodOf({ from: "", to: "soon" }, TODAY)).toEqual({ from: "", to: "soon" });
  });
});

describe("presets", () => {
  it("recognise the last 7, 30 and 90 days up to today", () => {
    for (const days of [7, 30, 90]) {
      expect(presetOf(periodOf(presetFilters(days, TODAY), TODAY), TODAY)).toBe(days);
    }
  });

  it("leave the address bare for the default period", () => {
    expect(presetFilters(30, TODAY)).toEqual({ from: "", to: "" });
    expect(periodFiltersQuery(presetFilters(7, TODAY))).toBe("from=2026-03-04&to=2026-03-10");
  });

  it("are none for a period ending another day or of another length", () => {
    expect(presetOf({ from: "2026-02-02", to: "2026-03-09" }, TODAY)).toBeNull();
    expect(presetOf({ from: "2026-03-01", to: TODAY }, TODAY)).toBeNull();
  });
});

describe("the address", () => {
  it("round-trips the period's dates", () => {
    const filters = parsePeriodFilters(new URLSearchParams("from=2026-01-01&to=2026-01-31"));
    expect(filters).toEqual({ from: "2026-01-01", to: "2026-01-31" });
    expect(periodFiltersQuery(filters)).toBe("from=2026-01-01&to=2026-01-31");
  });
});
