/** The product list's search, filter, order and page, kept in the address like the orders'. */
import { compactQuery, oneOf, parseOffset } from "@/lib/addressFilters";

import { PRODUCT_SORTS, PRODUCT_STATUSES, type ProductListQuery, type ProductSort } from "./queries";

export type ProductFilters = ProductListQuery;

export const DEFAULT_SORT: ProductSort = "name";

export const NO_PRODUCT_FILTERS: ProductFilters = { search: "", status: null, sort: DEFAULT_SORT, offset: 0 };

export function parseProductFilters(params: URLSearchParams): ProductFilters {
  return {
    search: params.get("search")?.trim() ?? "",
    status: oneOf(PRODUCT_STATUSES, params.get("status")),
    sort: oneOf(PRODUCT_SORTS, params.get("sort")) ?? DEFAULT_SORT,
    offset: parseOffset(params),
  };
}

/** The query string for `filters`, without the ones left at their default. */
export function productFiltersQuery(filters: ProductFilters): string {
  return compactQuery({
    search: filters.search.trim(),
    status: filters.status,
    sort: filters.sort === DEFAULT_SORT ? null : filters.sort,
    offset: filters.offset,
  });
}
