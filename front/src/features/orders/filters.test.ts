import { describe, expect, it } from "vitest";

import { NO_FILTERS, hasFilters, orderFiltersQuery, parseOrderFilters, searchSent } from "./filters";

describe("order filters in the address", () => {
  it("round-trip through the query string", () => {
    const filters = { search: "000042", status: "paid" as const, customer: "demo1.ana", from: "2026-01-01", to: "2026-01-31", offset: 40 };
    expect(parseOrderFilters(new URLSearchParams(orderFiltersQuery(filters)))).toEqual(filters);
  });

  it("leave defaults out of the query string", () => {
    expect(orderFiltersQuery(NO_FILTERS)).toBe("");
    expect(orderFiltersQuery({ ...NO_FILTERS, customer: "  " })).toBe("");
    expect(orderFiltersQuery({ ...NO_FILTERS, search: " " })).toBe("");
  });

  it("ignore an unknown status and a negative or malformed offset", () => {
    expect(parseOrderFilters(new URLSearchParams("status=lost&offset=-20"))).toEqual(NO_FILTERS);
    expect(parseOrderFilters(new URLSearchParams("offset=abc")).offset).toBe(0);
  });

  it("count the page as no filter", () => {
    expect(hasFilters({ ...NO_FILTERS, offset: 20 })).toBe(false);
    expect(hasFilters({ ...NO_FILTERS, to: "2026-01-31" })).toBe(true);
    expect(hasFilters({ ...NO_FILTERS, search: "42" })).toBe(true);
  });

  it("send a search only once it has the API's two characters", () => {
    expect(searchSent({ ...NO_FILTERS, search: "4" })).toBeNull();
    expect(searchSent({ ...NO_FILTERS, search: "42" })).toBe("42");
  });
});
