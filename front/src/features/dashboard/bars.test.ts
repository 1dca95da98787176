import { describe, expect, it } from "vitest";

import { barPercents } from "./bars";

describe("barPercents", () => {
  it("sizes every value against the largest", () => {
    expect(barPercents([50, 100, 25, 0])).toEqual([50, 100, 25, 0]);
  });

  it("keeps a tiny value visible", () => {
    expect(barPercents([1, 1000])).toEqual([1, 100]);
  });

  it("draws nothing when every value is zero or there are none", () => {
    expect(barPercents([0, 0])).toEqual([0, 0]);
    expect(barPercents([])).toEqual([]);
  });
});
