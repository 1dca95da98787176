"use client";

import { useQuery } from "@tanstack/react-query";
import { useLocale } from "next-intl";
import { createContext, useContext, useMemo, type ReactNode } from "react";

import { QueryView } from "@/components/ui/States";
import { SHOP_CONFIG_QUERY_KEY, useApi } from "@/contexts/auth";
import { unwrap, type Schemas } from "@/lib/api/client";
import { formatDate, formatDateTime } from "@/lib/dates";
import { formatMoney, type MoneyString } from "@/lib/money";

export type ShopConfig = Schemas["ShopConfig"];

/** The shop's currency, clock and sign-up policy: asked once, as they change only with a restart. */
export function useShopConfig() {
  const api = useApi();
  return useQuery({
    queryKey: SHOP_CONFIG_QUERY_KEY,
    queryFn: ({ signal }) => unwrap(api.GET("/api/config", { signal })),
    staleTime: Infinity,
  });
}

const ShopConfigContext = createContext<ShopConfig | null>(null);

/** Its children once the shop's config is known, so every amount and time shows in its terms from the first render. */
export function ShopConfigProvider({ children }: { children: ReactNode }) {
  return (
    <QueryView query={useShopConfig()}>
      {(config) => <ShopConfigContext.Provider value={config}>{children}</ShopConfigContext.Provider>}
    </QueryView>
  );
}

/** The shop's config, inside a <ShopConfigProvider>. */
export function useShopConfigValue(): ShopConfig {
  const config = useContext(ShopConfigContext);
  if (!config) {
    throw new Error("useShopConfigValue needs a <ShopConfigProvider>");
  }
  return config;
}

export interface ShopFormat {
  money: (amount: MoneyString) => string;
  dateTime: (iso: string) => string;
  date: (iso: string) => string;
}

/** The IANA zone of the shop's clock: business dates ("today", date filters) are days there. */
export function useBusinessTimeZone(): string {
  return useShopConfigValue().business_timezone;
}

/** Amounts in the shop's currency and times on its clock, in the visitor's language. */
export function useShopFormat(): ShopFormat {
  const locale = useLocale();
  const { currency, business_timezone: timeZone } = useShopConfigValue();
  return useMemo(
    () => ({
      money: (amount) => formatMoney(amount, { locale, currency }),
      dateTime: (iso) => formatDateTime(iso, timeZone),
      date: (iso) => formatDate(iso, { locale, timeZone }),
    }),
    [locale, currency, timeZone],
  );
}
