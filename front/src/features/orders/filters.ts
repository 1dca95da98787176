/** The order list's filters, kept in the address so that back, reload and links keep them. */
import { compactQuery, oneOf, parseOffset } from "@/lib/addressFilters";
import { ORDER_STATUSES, type OrderStatus } from "@/lib/api/enums";

/** The API's shortest search: the last two digits of an order number. */
export const MIN_SEARCH_LENGTH = 2;
export const MAX_SEARCH_LENGTH = 64;

export interface OrderFilters {
  /** The end of an order number; admins also find orders by the customer's username or email. */
  search: string;
  status: OrderStatus | null;
  /** A customer's username (admins only); the API filters by id, looked up from it. */
  customer: string;
  /** `<input type="date">` values, both days included. */
  from: string;
  to: string;
  offset: number;
}

export const NO_FILTERS: OrderFilters = { search: "", status: null, customer: "", from: "", to: "", offset: 0 };

export function parseOrderFilters(params: URLSearchParams): OrderFilters {
  return {
    search: params.get("search")?.trim() ?? "",
    status: oneOf(ORDER_STATUSES, params.get("status")),
    customer: params.get("customer")?.trim() ?? "",
    from: params.get("from") ?? "",
    to: params.get("to") ?? "",
    offset: parseOffset(params),
  };
}

/** The query string for `filters`, without the ones left at their default. */
export function orderFiltersQuery(filters: OrderFilters): string {
  return compactQuery({ ...filters, search: filters.search.trim(), customer: filters.customer.trim() });
}

export function hasFilters(filters: OrderFilters): boolean {
  return Boolean(filters.search || filters.status || filters.customer || filters.from || filters.to);
}

/** The search the API is sent: none until it is long enough to be one. */
export function searchSent(filters: OrderFilters): string | null {
  return filters.search.length >= MIN_SEARCH_LENGTH ? filters.search : null;
}
