/** The orders CSV: fetched with the session's token (a plain link would carry none), saved as a file. */
import { unwrap, type ApiClient } from "@/lib/api/client";
import type { Locale } from "@/i18n/config";

import { orderQueryParams, type OrderQuery } from "./orderQuery";

export interface OrdersFile {
  blob: Blob;
  fileName: string;
}

const FILE_NAME = /filename="([^"]+)"/;
const FALLBACK_FILE_NAME = "orders.csv";
// Long enough for any browser to have started the download from the object URL.
const REVOKE_AFTER_MS = 40_000;

/** Every order `query` finds, a row per order, with the header row in `locale`. */
export async function exportOrders(api: ApiClient, query: OrderQuery, locale: Locale): Promise<OrdersFile> {
  let disposition = "";
  const blob = await unwrap(
    api
      .GET("/api/orders/export.csv", {
        params: { query: { ...orderQueryParams(query), rows: "orders", lang: locale } },
        parseAs: "blob",
      })
      .then((result) => {
        disposition = result.response.headers.get("Content-Disposition") ?? "";
        return result;
      }),
  );
  return { blob, fileName: FILE_NAME.exec(disposition)?.[1] ?? FALLBACK_FILE_NAME };
}

/** Hands the file to the browser's downloads. */
export function saveFile({ blob, fileName }: OrdersFile): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), REVOKE_AFTER_MS);
}
