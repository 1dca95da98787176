import { describe, expect, it } from "vitest";

import { NO_USER_FILTERS, parseUserFilters, userFiltersQuery } from "./filters";

describe("user filters in the address", () => {
  it("round-trip through the query string", () => {
    const filters = { search: "ana lee", role: "admin" as const, offset: 20 };
    const query = userFiltersQuery(filters);
    expect(query).toBe("search=ana+lee&role=admin&offset=20");
    expect(parseUserFilters(new URLSearchParams(query))).toEqual(filters);
  });

  it("leave defaults out of the query string", () => {
    expect(userFiltersQuery(NO_USER_FILTERS)).toBe("");
    expect(userFiltersQuery({ ...NO_USER_FILTERS, search: "  " })).toBe("");
  });

  it("ignore an unknown role and a malformed offset", () => {
    expect(parseUserFilters(new URLSearchParams("role=owner&offset=-5"))).toEqual(NO_USER_FILTERS);
  });
});
