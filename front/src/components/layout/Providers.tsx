"use client";

import type { ReactNode } from "react";

import { AuthProvider } from "@/contexts/auth";
import { CartProvider } from "@/contexts/cart";
import { QueryProvider } from "@/contexts/query";

export function Providers({ children }: { children: ReactNode }) {
  return (
    <QueryProvider>
      <AuthProvider>
        <CartProvider>{children}</CartProvider>
      </AuthProvider>
    </QueryProvider>
  );
}
