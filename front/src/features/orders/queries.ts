"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";

import { useApi } from "@/contexts/auth";
import { unwrap, type Schemas } from "@/lib/api/client";
import { ApiError } from "@/lib/api/errors";
import { PAGE_SIZE } from "@/lib/queries";

import { orderQueryParams, type OrderQuery } from "./orderQuery";

export type Order = Schemas["OrderPublic"];
export type OrderHistoryEntry = Schemas["OrderStatusHistoryPublic"];
export type OrderChangeResult = Schemas["OrderChanged"] | Schemas["OrderNotChanged"];

export interface OrderListQuery extends OrderQuery {
  offset: number;
  limit?: number;
}

const ORDERS_KEY = ["orders"] as const;

function sameFilters(a: OrderListQuery, b: OrderListQuery): boolean {
  return (
    a.search === b.search &&
    a.status === b.status &&
    a.userId === b.userId &&
    a.createdFrom === b.createdFrom &&
    a.createdTo === b.createdTo &&
    a.limit === b.limit
  );
}

export function useOrders(query: OrderListQuery, options: { enabled?: boolean } = {}) {
  const api = useApi();
  return useQuery({
    queryKey: [...ORDERS_KEY, "list", query] as const,
    queryFn: ({ signal }) =>
      unwrap(
        api.GET("/api/orders", {
          params: {
            query: { ...orderQueryParams(query), limit: query.limit ?? PAGE_SIZE, offset: query.offset },
          },
          signal,
        }),
      ),
    // The next page keeps the last one on screen while it loads; other filters never show
    // orders that don't match them.
    placeholderData: (previous, previousQuery) =>
      previousQuery && sameFilters(previousQuery.queryKey[2], query) ? previous : undefined,
    enabled: options.enabled ?? true,
  });
}

export function useOrder(id: number) {
  const api = useApi();
  return useQuery({
    queryKey: [...ORDERS_KEY, "detail", id],
    queryFn: ({ signal }) =>
      unwrap(api.GET("/api/orders/{order_id}", { params: { path: { order_id: id } }, signal })),
  });
}

export function useOrderHistory(id: number) {
  const api = useApi();
  return useQuery({
    queryKey: [...ORDERS_KEY, "history", id],
    queryFn: ({ signal }) =>
      unwrap(
        api.GET("/api/orders/{order_id}/history", { params: { path: { order_id: id } }, signal }),
      ),
  });
}

/** A status change or a cancel: the order, its history, the lists and the stock all moved. */
function useOrderChange<Input>(change: (input: Input) => Promise<Order>) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: change,
    onSuccess: (order) => {
      queryClient.setQueryData([...ORDERS_KEY, "detail", order.id], order);
      // Cancelling restocks, so products and the dashboard's numbers are stale too.
      return queryClient.invalidateQueries();
    },
    onError: (error) => {
      // Someone else moved the order meanwhile: show it as it is now, with what it allows.
      if (error instanceof ApiError && error.code === "invalid_status_transition") {
        return queryClient.invalidateQueries({ queryKey: ORDERS_KEY });
      }
      return undefined;
    },
  });
}

/** A status, and with `shipped` the shipment's optional carrier and tracking number. */
export type StatusChange = Schemas["OrderStatusChange"];

export function useChangeOrderStatus(id: number) {
  const api = useApi();
  return useOrderChange((change: StatusChange) =>
    unwrap(
      api.PATCH("/api/orders/{order_id}/status", {
        params: { path: { order_id: id } },
        body: change,
      }),
    ),
  );
}

export function useCancelOrder(id: number) {
  const api = useApi();
  return useOrderChange(() =>
    unwrap(api.POST("/api/orders/{order_id}/cancel", { params: { path: { order_id: id } } })),
  );
}

/** One status for many orders (admins): a result per order; every list and figure moved. */
export function useChangeOrderStatuses() {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ ids, ...change }: StatusChange & { ids: readonly number[] }) =>
      unwrap(api.POST("/api/orders/bulk-status", { body: { ids: [...ids], ...change } })),
    onSuccess: () => queryClient.invalidateQueries(),
  });
}

/** A user's public record, for admins showing whose order it is (cached per user). */
export function useUser(id: number | null) {
  const api = useApi();
  return useQuery({
    queryKey: ["users", "detail", id],
    queryFn: ({ signal }) =>
      unwrap(api.GET("/api/users/{user_id}", { params: { path: { user_id: id ?? 0 } }, signal })),
    enabled: id !== null,
    staleTime: 5 * 60_000,
  });
}
