"use client";

import { useTranslations } from "next-intl";

import { QueryView } from "@/components/ui/States";
import { useAuth } from "@/contexts/auth";
import { useShopFormat } from "@/contexts/shop";

import { useOrderHistory, useUser, type OrderHistoryEntry } from "./queries";

function ChangedBy({ entry }: { entry: OrderHistoryEntry }) {
  const t = useTranslations("orders");
  const { user, isAdmin } = useAuth();
  const byMe = entry.changed_by === user?.id;
  // Customers can't look other accounts up: for them a change by staff is the shop's.
  const someoneElse = useUser(isAdmin && !byMe ? entry.changed_by : null);
  if (entry.changed_by === null) {
    return null;
  }
  if (byMe) {
    return <>{t("detail.byYou")}</>;
  }
  if (!isAdmin) {
    return <>{t("detail.byShop")}</>;
  }
  const username = someoneElse.data?.username ?? t("userNumber", { id: entry.changed_by });
  return <>{t("detail.byUser", { username })}</>;
}

export function OrderHistory({ orderId }: { orderId: number }) {
  const t = useTranslations("orders");
  const format = useShopFormat();
  return (
    <QueryView query={useOrderHistory(orderId)}>
      {(history) => (
        <ol className="flex flex-col gap-3 border-l-2 border-slate-200 pl-4">
          {history.map((entry) => (
            <li key={`${entry.changed_at}-${entry.to_status}`} className="text-sm">
              <p className="font-medium text-slate-900">
                {entry.from_status === null
                  ? t("detail.historyPlaced", { status: t(`statuses.${entry.to_status}`) })
                  : t("detail.historyChange", {
                      from: t(`statuses.${entry.from_status}`),
                      to: t(`statuses.${entry.to_status}`),
                    })}
              </p>
              <p className="text-slate-600">
                <time dateTime={entry.changed_at}>{format.dateTime(entry.changed_at)}</time>{" "}
                <ChangedBy entry={entry} />
              </p>
              {(entry.carrier || entry.tracking_number) && (
                <p className="text-slate-600">
                  {[entry.carrier, entry.tracking_number].filter(Boolean).join(" · ")}
                </p>
              )}
            </li>
          ))}
        </ol>
      )}
    </QueryView>
  );
}
