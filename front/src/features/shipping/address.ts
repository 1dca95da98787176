/**
 * Shipping addresses as the API takes them (`ShippingAddress`): the form's fields, reading
 * one from a submitted form, and the countries a customer picks from.
 */
import type { Schemas } from "@/lib/api/client";
import { formText } from "@/lib/forms";

export type ShippingAddress = Schemas["ShippingAddress"];

export const ADDRESS_FIELDS = [
  "recipient",
  "phone",
  "line1",
  "line2",
  "city",
  "region",
  "postal_code",
  "country",
] as const satisfies readonly (keyof ShippingAddress)[];

export type AddressField = (typeof ADDRESS_FIELDS)[number];

export const OPTIONAL_ADDRESS_FIELDS: ReadonlySet<AddressField> = new Set(["line2", "region", "postal_code"]);

/** The API's limits, so the form stops a long value before the API would refuse it. */
export const ADDRESS_MAX_LENGTHS: Record<AddressField, number> = {
  recipient: 100,
  phone: 32,
  line1: 200,
  line2: 200,
  city: 100,
  region: 100,
  postal_code: 20,
  country: 2,
};

/** ISO 3166-1 alpha-2, as the API's pycountry knows them. */
export const COUNTRY_CODES = [
  "AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT", "AU", "AW", "AX", "AZ",
  "BA", "BB", "BD", "BE", "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN", "BO", "BQ", "BR", "BS",
  "BT", "BV", "BW", "BY", "BZ", "CA", "CC", "CD", "CF", "CG", "CH", "CI", "CK", "CL", "CM", "CN",
  "CO", "CR", "CU", "CV", "CW", "CX", "CY", "CZ", "DE", "DJ", "DK", "DM", "DO", "DZ", "EC", "EE",
  "EG", "EH", "ER", "ES", "ET", "FI", "FJ", "FK", "FM", "FO", "FR", "GA", "GB", "GD", "GE", "GF",
  "GG", "GH", "GI", "GL", "GM", "GN", "GP", "GQ", "GR", "GS", "GT", "GU", "GW", "GY", "HK", "HM",
  "HN", "HR", "HT", "HU", "ID", "IE", "IL", "IM", "IN", "IO", "IQ", "IR", "IS", "IT", "JE", "JM",
  "JO", "JP", "KE", "KG", "KH", "KI", "KM", "KN", "KP", "KR", "KW", "KY", "KZ", "LA", "LB", "LC",
  "LI", "LK", "LR", "LS", "LT", "LU", "LV", "LY", "MA", "MC", "MD", "ME", "MF", "MG", "MH", "MK",
  "ML", "MM", "MN", "MO", "MP", "MQ", "MR", "MS", "MT", "MU", "MV", "MW", "MX", "MY", "MZ", "NA",
  "NC", "NE", "NF", "NG", "NI", "NL", "NO", "NP", "NR", "NU", "NZ", "OM", "PA", "PE", "PF", "PG",
  "PH", "PK", "PL", "PM", "PN", "PR", "PS", "PT", "PW", "PY", "QA", "RE", "RO", "RS", "RU", "RW",
  "SA", "SB", "SC", "SD", "SE", "SG", "SH", "SI", "SJ", "SK", "SL", "SM", "SN", "SO", "SR", "SS",
  "ST", "SV", "SX", "SY", "SZ", "TC", "TD", "TF", "TG", "TH", "TJ", "TK", "TL", "TM", "TN", "TO",
  "TR", "TT", "TV", "TW", "TZ", "UA", "UG", "UM", "US", "UY", "UZ", "VA", "VC", "VE", "VG", "VI",
  "VN", "VU", "WF", "WS", "YE", "YT", "ZA", "ZM", "ZW"
] as const;

/**
 * The address in a submitted form whose fields are named `${prefix}.${field}`: trimmed, a
 * blank optional field null; null when every field is blank (no address given at all).
 */
export function addressFromForm(form: FormData, prefix: string): ShippingAddress | null {
  const values = Object.fromEntries(
    ADDRESS_FIELDS.map((field) => [field, formText(form, `${prefix}.${field}`).trim()]),
  ) as Record<AddressField, string>;
  if (ADDRESS_FIELDS.every((field) => field === "country" || values[field] === "")) {
    return null;
  }
  return {
    recipient: values.recipient,
    phone: values.phone,
    line1: values.line1,
    line2: values.line2 || null,
    city: values.city,
    region: values.region || null,
    postal_code: values.postal_code || null,
    country: values.country,
  };
}

/** Whether two addresses are the same, field by field (null and blank alike). */
export function sameAddress(a: ShippingAddress | null | undefined, b: ShippingAddress | null | undefined): boolean {
  if (!a || !b) {
    return !a && !b;
  }
  return ADDRESS_FIELDS.every((field) => (a[field] ?? "") === (b[field] ?? ""));
}

/** The countries as options, named in `locale` and sorted by that name. */
export function countryOptions(locale: string): { value: string; label: string }[] {
  const names = new Intl.DisplayNames([locale], { type: "region", fallback: "code" });
  const collator = new Intl.Collator(locale);
  return COUNTRY_CODES.map((code) => ({ value: code, label: names.of(code) ?? code })).sort((a, b) =>
    collator.compare(a.label, b.label),
  );
}

/** An address's lines as printed on a label, blank parts left out. */
export function addressLines(address: ShippingAddress, countryName: (code: string) => string): string[] {
  const cityLine = [address.postal_code, address.city, address.region].filter(Boolean).join(" ");
  return [address.recipient, address.line1, address.line2, cityLine, countryName(address.country), address.phone].filter(
    (line): line is string => Boolean(line),
  );
}
