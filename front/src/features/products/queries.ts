"use client";

import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";

import { useApi } from "@/contexts/auth";
import { unwrap, type Schemas } from "@/lib/api/client";
import type { operations } from "@/lib/api/schema";
import { pageQuery, useInvalidatingMutation } from "@/lib/queries";

import { attachmentName } from "./spreadsheet";

export type Product = Schemas["ProductPublic"];
export type ProductStatus = Schemas["ProductStatus"];
export type ProductCreate = Schemas["ProductCreate"];
export type ProductUpdate = Schemas["ProductUpdate"];
export type ProductSort = NonNullable<
  NonNullable<operations["list_products"]["parameters"]["query"]>["sort"]
>;

export const PRODUCT_STATUSES: readonly ProductStatus[] = ["active", "inactive", "archived"];
export const PRODUCT_SORTS: readonly ProductSort[] = [
  "name",
  "-name",
  "price",
  "-price",
  "stock_quantity",
  "-stock_quantity",
  "-created_at",
  "created_at",
];

export interface ProductListQuery {
  search: string;
  status: ProductStatus | null;
  sort: ProductSort;
  offset: number;
}

// After any change every product query is refetched: stock and prices move under everyone.
const PRODUCTS_KEY = ["products"] as const;

export function useProducts(query: ProductListQuery) {
  const api = useApi();
  return useQuery({
    queryKey: [...PRODUCTS_KEY, query],
    queryFn: ({ signal }) =>
      unwrap(
        api.GET("/api/products", {
          params: {
            query: { ...pageQuery(query), status: query.status ?? undefined, sort: query.sort },
          },
          signal,
        }),
      ),
    // The table keeps showing the last page while the next one loads.
    placeholderData: keepPreviousData,
  });
}

export function useCreateProduct() {
  const api = useApi();
  return useInvalidatingMutation(PRODUCTS_KEY, (body: ProductCreate) =>
    unwrap(api.POST("/api/products", { body })),
  );
}

export function useUpdateProduct() {
  const api = useApi();
  return useInvalidatingMutation(PRODUCTS_KEY, ({ id, changes }: { id: number; changes: ProductUpdate }) =>
    unwrap(
      api.PATCH("/api/products/{product_id}", {
        params: { path: { product_id: id } },
        body: changes,
      }),
    ),
  );
}

export function useArchiveProduct() {
  const api = useApi();
  return useInvalidatingMutation(PRODUCTS_KEY, (id: number) =>
    unwrap(api.DELETE("/api/products/{product_id}", { params: { path: { product_id: id } } })),
  );
}

export function useAdjustStock() {
  const api = useApi();
  return useInvalidatingMutation(PRODUCTS_KEY, ({ id, delta }: { id: number; delta: number }) =>
    unwrap(
      api.POST("/api/products/{product_id}/stock", {
        params: { path: { product_id: id } },
        body: { delta },
      }),
    ),
  );
}

/** Every product list is stale once an order took stock. */
export function useInvalidateProducts(): () => Promise<void> {
  const queryClient = useQueryClient();
  return () => queryClient.invalidateQueries({ queryKey: PRODUCTS_KEY });
}

/** The products the filters pick, as the CSV file the API names; headers in `lang`. */
export function useExportProducts() {
  const api = useApi();
  return useMutation({
    mutationFn: async ({ search, status, lang }: { search: string; status: ProductStatus | null; lang: "en" | "zh-CN" }) => {
      const result = await api.GET("/api/products/export.csv", {
        params: { query: { search: search || undefined, status: status ?? undefined, lang } },
        parseAs: "blob",
      });
      const blob = await unwrap(Promise.resolve(result));
      return { blob, filename: attachmentName(result.response.headers.get("Content-Disposition")) ?? "products.csv" };
    },
  });
}

/** A spreadsheet of products sent to the import: a dry run reports, a real one writes. */
export function useImportProducts() {
  const api = useApi();
  return useInvalidatingMutation(PRODUCTS_KEY, ({ file, dryRun }: { file: File; dryRun: boolean }) =>
    unwrap(
      api.POST("/api/products/import", {
        params: { query: { dry_run: dryRun } },
        // The schema's `file` is the file's bytes: sent as multipart, as a form would.
        body: { file: file.name },
        bodySerializer: () => {
          const form = new FormData();
          form.append("file", file);
          return form;
        },
      }),
    ),
  );
}
