"use client";

import { useLocale } from "next-intl";

import { addressLines, type ShippingAddress } from "./address";

/** An address as it goes on a parcel, one line each. */
export function AddressView({ address }: { address: ShippingAddress }) {
  const locale = useLocale();
  const names = new Intl.DisplayNames([locale], { type: "region", fallback: "code" });
  return (
    <address className="not-italic">
      {addressLines(address, (code) => names.of(code) ?? code).map((line, index) => (
        <span key={index} className="block">
          {line}
        </span>
      ))}
    </address>
  );
}
