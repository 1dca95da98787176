"use client";

import { useQuery } from "@tanstack/react-query";

import { useApi } from "@/contexts/auth";
import { unwrap } from "@/lib/api/client";

/** Below this stock an active product counts as low, here and in the store figures. */
export const LOW_STOCK_THRESHOLD = 10;
export const LOW_STOCK_SHOWN = 10;

export function useStats() {
  const api = useApi();
  return useQuery({
    queryKey: ["stats", LOW_STOCK_THRESHOLD],
    queryFn: ({ signal }) =>
      unwrap(api.GET("/api/stats", { params: { query: { low_stock: LOW_STOCK_THRESHOLD } }, signal })),
  });
}

/** The active products lowest on stock, the same ones the figures count. */
export function useLowStockProducts() {
  const api = useApi();
  return useQuery({
    queryKey: ["products", "lowStock", LOW_STOCK_THRESHOLD],
    queryFn: ({ signal }) =>
      unwrap(
        api.GET("/api/products", {
          params: {
            query: {
              status: "active",
              low_stock: LOW_STOCK_THRESHOLD,
              sort: "stock_quantity",
              limit: LOW_STOCK_SHOWN,
            },
          },
          signal,
        }),
      ),
  });
}
