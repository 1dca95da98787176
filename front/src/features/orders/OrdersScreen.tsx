"use client";

import { useTranslations } from "next-intl";
import Link from "next/link";
import { useState } from "react";

import { PageHeading } from "@/components/layout/PageHeading";
import { Pagination } from "@/components/ui/Pagination";
import { EmptyState, ErrorState, QueryView } from "@/components/ui/States";
import { useAuth } from "@/contexts/auth";
import { useBusinessTimeZone } from "@/contexts/shop";
import { useAddressFilters } from "@/lib/addressFilters";
import { dayStartInstant } from "@/lib/dates";
import { PAGE_SIZE } from "@/lib/queries";

import { hasFilters, orderFiltersQuery, parseOrderFilters, searchSent } from "./filters";
import { OrderFiltersForm } from "./OrderFiltersForm";
import { BulkStatusBar } from "./BulkStatusBar";
import { ExportOrdersButton } from "./ExportOrdersButton";
import type { OrderQuery } from "./orderQuery";
import { OrderTable, type OrderSelection } from "./OrderTable";
import { useOrders, type Order } from "./queries";
import { useCustomer } from "./useCustomer";

export function OrdersScreen() {
  const t = useTranslations("orders");
  const { isAdmin } = useAuth();
  const { filters, update } = useAddressFilters({ path: "/orders", parse: parseOrderFilters, toQuery: orderFiltersQuery });
  const customer = useCustomer(isAdmin ? filters.customer : "");
  const timeZone = useBusinessTimeZone();
  const query: OrderQuery = {
    search: searchSent(filters),
    status: filters.status,
    userId: customer.userId,
    createdFrom: dayStartInstant(filters.from, timeZone),
    createdTo: dayStartInstant(filters.to, timeZone, 1),
  };
  const orders = useOrders(
    { ...query, offset: filters.offset },
    // Without the customer's id the list would show everyone's orders under their name.
    { enabled: !customer.isPending && !customer.notFound && !customer.error },
  );

  const [selected, setSelected] = useState<ReadonlySet<number>>(new Set());

  const title = isAdmin ? t("titleAll") : t("title");

  function selectionOf(page: readonly Order[]): OrderSelection {
    const all = page.length > 0 && page.every((order) => selected.has(order.id));
    return {
      selected,
      all,
      toggle: (id) => {
        const next = new Set(selected);
        if (!next.delete(id)) {
          next.add(id);
        }
        setSelected(next);
      },
      toggleAll: () => setSelected(all ? new Set() : new Set(page.map((order) => order.id))),
    };
  }
  const customerError = customer.notFound ? t("filters.customerNotFound", { username: filters.customer }) : null;

  function list() {
    if (customer.error) {
      return <ErrorState error={customer.error} />;
    }
    if (customer.notFound) {
      return <EmptyState>{t("emptyFiltered")}</EmptyState>;
    }
    return (
      <QueryView
        query={orders}
        isEmpty={(page) => page.items.length === 0}
        empty={
          hasFilters(filters) ? (
            t("emptyFiltered")
          ) : (
            <>
              <p>{t("empty")}</p>
              <Link href="/products" className="mt-2 inline-block text-blue-700 underline">
                {t("browseProducts")}
              </Link>
            </>
          )
        }
      >
        {(page) => (
          <div className="flex flex-col gap-4" aria-busy={orders.isFetching}>
            {isAdmin && (
              <BulkStatusBar
                orders={page.items.filter((order) => selected.has(order.id))}
                selection={selectionOf(page.items)}
                onDone={() => setSelected(new Set())}
              />
            )}
            <OrderTable
              orders={page.items}
              showCustomer={isAdmin}
              caption={title}
              selection={isAdmin ? selectionOf(page.items) : undefined}
            />
            <Pagination offset={filters.offset} limit={PAGE_SIZE} total={page.total} totalCapped={page.total_capped} onChange={(offset) => update({ offset })} />
          </div>
        )}
      </QueryView>
    );
  }

  return (
    <section>
      <PageHeading>{title}</PageHeading>
      <OrderFiltersForm filters={filters} isAdmin={isAdmin} customerError={customerError} onChange={update} />
      {isAdmin && !customer.isPending && !customer.notFound && (
        <div className="mb-4">
          <ExportOrdersButton query={query} />
        </div>
      )}
      {list()}
    </section>
  );
}
