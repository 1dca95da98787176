"use client";

import { useMutation } from "@tanstack/react-query";
import { useLocale, useTranslations } from "next-intl";

import { Button } from "@/components/ui/Button";
import { ErrorAlert } from "@/components/ui/Alert";
import { useApi } from "@/contexts/auth";
import { DEFAULT_LOCALE, isLocale } from "@/i18n/config";
import { useApiErrorText } from "@/lib/i18n/errorText";

import { exportOrders, saveFile } from "./exportOrders";
import type { OrderQuery } from "./orderQuery";

/** Admins download the orders the list's filters find, every page of them, as CSV. */
export function ExportOrdersButton({ query }: { query: OrderQuery }) {
  const t = useTranslations("orders.export");
  const api = useApi();
  const locale = useLocale();
  const errorText = useApiErrorText();
  const download = useMutation({
    mutationFn: () => exportOrders(api, query, isLocale(locale) ? locale : DEFAULT_LOCALE),
    onSuccess: saveFile,
  });

  return (
    <div className="flex flex-col items-start gap-2">
      <Button variant="secondary" disabled={download.isPending} onClick={() => download.mutate()}>
        {download.isPending ? t("busy") : t("button")}
      </Button>
      {download.error && <ErrorAlert>{errorText(download.error)}</ErrorAlert>}
    </div>
  );
}
