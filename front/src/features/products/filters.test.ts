import { describe, expect, it } from "vitest";

import { NO_PRODUCT_FILTERS, parseProductFilters, productFiltersQuery } from "./filters";

describe("product filters in the address", () => {
  it("round-trip through the query string", () => {
    const filters = { search: "green tea", status: "archived" as const, sort: "-price" as const, offset: 40 };
    const query = productFiltersQuery(filters);
    expect(query).toBe("search=green+tea&status=archived&sort=-price&offset=40");
    expect(parseProductFilters(new URLSearchParams(query))).toEqual(filters);
  });

  it("leave defaults out of the query string", () => {
    expect(productFiltersQuery(NO_PRODUCT_FILTERS)).toBe("");
    expect(productFiltersQuery({ ...NO_PRODUCT_FILTERS, search: "   " })).toBe("");
  });

  it("read an empty address as the first page by name", () => {
    expect(parseProductFilters(new URLSearchParams())).toEqual(NO_PRODUCT_FILTERS);
  });

  it("ignore an unknown status or sort and a negative or malformed offset", () => {
    expect(parseProductFilters(new URLSearchParams("status=sold&sort=colour&offset=-20"))).toEqual(NO_PRODUCT_FILTERS);
    expect(parseProductFilters(new URLSearchParams("offset=2x")).offset).toBe(0);
  });

  it("trim the search", () => {
    expect(parseProductFilters(new URLSearchParams("search=%20JAS-001%20")).search).toBe("JAS-001");
  });
});
