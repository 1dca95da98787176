/** The order list's filters, kept in the address so that back, reload and links keep them. */
import { compactQuery, oneOf, parseOffset } from "@/lib/addressFilters";
import { ORDER_STATUSES, type OrderStatus } from "@/lib/api/enums";

export interface OrderFilters {
  status: OrderStatus | null;
  /** A customer's username (admins only); the API filters by id, looked up from it. */
  customer: string;
  /** `<input type="date">` values, both days included. */
  from: string;
  to: string;
  offset: number;
}

export const NO_FILTERS: OrderFilters = { status: null, customer: "", from: "", to: "", offset: 0 };

export function parseOrderFilters(params: URLSearchParams): OrderFilters {
  return {
    status: oneOf(ORDER_STATUSES, params.get("status")),
    customer: params.get("customer")?.trim() ?? "",
    from: params.get("from") ?? "",
    to: params.get("to") ?? "",
    offset: parseOffset(params),
  };
}

/** The query string for `filters`, without the ones left at their default. */
export function orderFiltersQuery(filters: OrderFilters): string {
  return compactQuery({ ...filters, customer: filters.customer.trim() });
}

export function hasFilters(filters: OrderFilters): boolean {
  return Boolean(filters.status || filters.customer || filters.from || filters.to);
}
