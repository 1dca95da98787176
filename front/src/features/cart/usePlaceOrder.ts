"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";

import { useApi } from "@/contexts/auth";
import { unwrap, type Schemas } from "@/lib/api/client";

export type Order = Schemas["OrderPublic"];

interface PlaceOrder {
  body: Schemas["OrderCreate"];
  /** The same key for every attempt at the same cart: the API then makes one order only. */
  idempotencyKey: string;
}

export function usePlaceOrder() {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ body, idempotencyKey }: PlaceOrder) =>
      unwrap(api.POST("/api/orders", { body, params: { header: { "Idempotency-Key": idempotencyKey } } })),
    // Stock moved and there is a new order: every list showing either is stale.
    onSuccess: () => queryClient.invalidateQueries(),
  });
}
