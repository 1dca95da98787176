import createClient from "openapi-fetch";
import { describe, expect, it } from "vitest";

import type { paths } from "@/lib/api/schema";

import { exportOrders } from "./exportOrders";

const NO_QUERY = { search: null, status: null, userId: null, createdFrom: null, createdTo: null };

/** A client whose API answers every request with a CSV file, recording the URLs asked for. */
function recordingClient(disposition: string | null = 'attachment; filename="orders-2026-12-07.csv"') {
  const urls: URL[] = [];
  const api = createClient<paths>({
    baseUrl: "http://shop.test",
    fetch: async (request: Request) => {
      urls.push(new URL(request.url));
      const headers: Record<string, string> = { "Content-Type": "text/csv; charset=utf-8" };
      if (disposition) {
        headers["Content-Disposition"] = disposition;
      }
      return new Response("\ufeffOrder number\r\n", { headers });
    },
  });
  return { api, urls };
}

describe("exporting orders", () => {
  it("asks for the list's filters, a row per order and the headers in the interface language", async () => {
    const { api, urls } = recordingClient();
    await exportOrders(
      api,
      {
        search: "000042",
        status: "paid",
        userId: 7,
        createdFrom: "2026-02-28T16:00:00.000Z",
        createdTo: "2026-03-31T16:00:00.000Z",
      },
      "zh-CN",
    );
    const [url] = urls;
    expect(url?.pathname).toBe("/api/orders/export.csv");
    expect(Object.fromEntries(url?.searchParams ?? [])).toEqual({
      search: "000042",
      status: "paid",
      user_id: "7",
      created_from: "2026-02-28T16:00:00.000Z",
      created_to: "2026-03-31T16:00:00.000Z",
      sort: "-created_at",
      rows: "orders",
      lang: "zh-CN",
    });
  });

  it("leaves unset filters out, as the list does", async () => {
    const { api, urls } = recordingClient();
    await exportOrders(api, NO_QUERY, "en");
    expect(urls[0]?.search).toBe("?sort=-created_at&rows=orders&lang=en");
  });

  it("names the file as the API does, or orders.csv without a name", async () => {
    const named = await exportOrders(recordingClient().api, NO_QUERY, "en");
    expect(named.fileName).toBe("orders-2026-12-07.csv");
    expect(await named.blob.text()).toContain("Order number");
    const unnamed = await exportOrders(recordingClient(null).api, NO_QUERY, "en");
    expect(unnamed.fileName).toBe("orders.csv");
  });
});
