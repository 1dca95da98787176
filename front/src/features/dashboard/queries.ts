"use client";

import { useQuery } from "@tanstack/react-query";

import { useApi } from "@/contexts/auth";
import { unwrap } from "@/lib/api/client";

import type { Period } from "./period";

/** Below this stock an active product counts as low, here and in the store figures. */
export const LOW_STOCK_THRESHOLD = 10;
export const LOW_STOCK_SHOWN = 10;
export const TOP_PRODUCTS_SHOWN = 5;

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

/** The period's business days, each with its orders and revenue; asked only for a valid period. */
export function useDailyStats(period: Period, { enabled }: { enabled: boolean }) {
  const api = useApi();
  return useQuery({
    queryKey: ["stats", "daily", period.from, period.to],
    queryFn: ({ signal }) =>
      unwrap(api.GET("/api/stats/daily", { params: { query: { from: period.from, to: period.to } }, signal })),
    enabled,
  });
}

/** The period's best sellers, by units and by revenue. */
export function useTopProducts(period: Period, { enabled }: { enabled: boolean }) {
  const api = useApi();
  return useQuery({
    queryKey: ["stats", "topProducts", period.from, period.to, TOP_PRODUCTS_SHOWN],
    queryFn: ({ signal }) =>
      unwrap(
        api.GET("/api/stats/top-products", {
          params: { query: { from: period.from, to: period.to, limit: TOP_PRODUCTS_SHOWN } },
          signal,
        }),
      ),
    enabled,
  });
}
