/** The order list's filters, kept in the address so that back, reload and links keep them. */
import { ORDER_STATUSES, type OrderStatus } from "./rules";

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

function isStatus(value: string | null): value is OrderStatus {
  return value !== null && (ORDER_STATUSES as readonly string[]).includes(value);
}

export function parseOrderFilters(params: URLSearchParams): OrderFilters {
  const status = params.get("status");
  const offset = Number.parseInt(params.get("offset") ?? "", 10);
  return {
    status: isStatus(status) ? status : null,
    customer: params.get("customer")?.trim() ?? "",
    from: params.get("from") ?? "",
    to: params.get("to") ?? "",
    offset: Number.isInteger(offset) && offset > 0 ? offset : 0,
  };
}

/** The query string for `filters`, without the ones left at their default. */
export function orderFiltersQuery(filters: OrderFilters): string {
  const params = new URLSearchParams();
  if (filters.status) {
    params.set("status", filters.status);
  }
  if (filters.customer.trim()) {
    params.set("customer", filters.customer.trim());
  }
  if (filters.from) {
    params.set("from", filters.from);
  }
  if (filters.to) {
    params.set("to", filters.to);
  }
  if (filters.offset > 0) {
    params.set("offset", String(filters.offset));
  }
  return params.toString();
}

export function hasFilters(filters: OrderFilters): boolean {
  return Boolean(filters.status || filters.customer || filters.from || filters.to);
}
