/** Which orders, as the API's list and export both take them. */
import type { OrderStatus } from "@/lib/api/enums";

export interface OrderQuery {
  search: string | null;
  status: OrderStatus | null;
  userId: number | null;
  /** ISO instants: `createdFrom` inclusive, `createdTo` exclusive, as the API reads them. */
  createdFrom: string | null;
  createdTo: string | null;
}

/** The API's query parameters for `query`, newest orders first; unset filters left out. */
export function orderQueryParams(query: OrderQuery) {
  return {
    search: query.search ?? undefined,
    status: query.status ?? undefined,
    user_id: query.userId ?? undefined,
    created_from: query.createdFrom ?? undefined,
    created_to: query.createdTo ?? undefined,
    sort: "-created_at" as const,
  };
}
