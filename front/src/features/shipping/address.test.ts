import { describe, expect, it } from "vitest";

import { addressFromForm, addressLines, COUNTRY_CODES, countryOptions, sameAddress, type ShippingAddress } from "./address";
import { NO_SHIPMENT, shipmentBody } from "./ShipmentFields";

const office: ShippingAddress = {
  recipient: "Bo Li",
  phone: "+86 10 5555 0199",
  line1: "1 Jianguomenwai Street",
  line2: null,
  city: "Beijing",
  region: null,
  postal_code: "100022",
  country: "CN",
};

function form(fields: Record<string, string>): FormData {
  const data = new FormData();
  for (const [name, value] of Object.entries(fields)) {
    data.set(name, value);
  }
  return data;
}

describe("addressFromForm", () => {
  it("reads the prefixed fields trimmed, a blank optional one as null", () => {
    const address = addressFromForm(
      form({
        "shipping_address.recipient": " Bo Li ",
        "shipping_address.phone": "+86 10 5555 0199",
        "shipping_address.line1": "1 Jianguomenwai Street",
        "shipping_address.line2": "  ",
        "shipping_address.city": "Beijing",
        "shipping_address.region": "",
        "shipping_address.postal_code": "100022",
        "shipping_address.country": "CN",
        "other.recipient": "Not this one",
      }),
      "shipping_address",
    );

    expect(address).toEqual(office);
  });

  it("gives null when nothing but a country is filled in: no address at all", () => {
    expect(addressFromForm(form({ "a.country": "FR", "a.city": " " }), "a")).toBeNull();
  });

  it("keeps a partly filled address, for the API to name what is missing", () => {
    expect(addressFromForm(form({ "a.city": "Paris" }), "a")).toMatchObject({ city: "Paris", recipient: "" });
  });
});

describe("sameAddress", () => {
  it("treats null and a blank optional field alike", () => {
    expect(sameAddress(office, { ...office })).toBe(true);
    expect(sameAddress(office, { ...office, line2: "" })).toBe(true);
    expect(sameAddress(office, { ...office, city: "Tianjin" })).toBe(false);
    expect(sameAddress(null, undefined)).toBe(true);
    expect(sameAddress(office, null)).toBe(false);
  });
});

describe("countries", () => {
  it("lists each ISO 3166-1 code once, named in the visitor's language", () => {
    expect(new Set(COUNTRY_CODES).size).toBe(COUNTRY_CODES.length);
    expect(COUNTRY_CODES).toHaveLength(249);
    const english = countryOptions("en");
    const chinese = countryOptions("zh-CN");

    expect(english.find((option) => option.value === "CN")?.label).toBe("China");
    expect(chinese.find((option) => option.value === "CN")?.label).toBe("中国");
    expect(english.map((option) => option.value).sort()).toEqual([...COUNTRY_CODES].sort());
  });
});

describe("addressLines", () => {
  it("prints the parts that are there, the country by name", () => {
    expect(addressLines(office, (code) => (code === "CN" ? "China" : code))).toEqual([
      "Bo Li",
      "1 Jianguomenwai Street",
      "100022 Beijing",
      "China",
      "+86 10 5555 0199",
    ]);
  });
});

describe("shipmentBody", () => {
  it("sends a carrier and tracking number trimmed, and leaves blank ones out", () => {
    expect(shipmentBody({ carrier: " SF Express ", trackingNumber: "SF123" })).toEqual({
      carrier: "SF Express",
      tracking_number: "SF123",
    });
    expect(shipmentBody({ carrier: "", trackingNumber: "  " })).toEqual({});
    expect(shipmentBody(NO_SHIPMENT)).toEqual({});
  });
});
