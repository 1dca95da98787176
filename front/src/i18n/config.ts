export const LOCALES = ["en", "zh-CN"] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = "en";
/** next-intl's own cookie name; the switch writes it, the server reads it for each request. */
export const LOCALE_COOKIE = "NEXT_LOCALE";

const ONE_YEAR_SECONDS = 365 * 24 * 3600;

/** The cookie, for `document.cookie`, that makes the server render in `locale` from now on. */
export function localeCookie(locale: Locale): string {
  return `${LOCALE_COOKIE}=${locale}; path=/; max-age=${ONE_YEAR_SECONDS}; samesite=lax`;
}

export function isLocale(value: unknown): value is Locale {
  return typeof value === "string" && (LOCALES as readonly string[]).includes(value);
}

/** The interface language for a first visit, from the browser's Accept-Language. */
export function localeFromAcceptLanguage(header: string | null): Locale {
  const preferred = (header ?? "").split(",").map((part) => part.trim().toLowerCase());
  return preferred.some((tag) => tag.startsWith("zh")) ? "zh-CN" : DEFAULT_LOCALE;
}

/** The language the server would pick, read in the browser: the chosen one, else the browser's. */
export function localeInBrowser(cookie: string, languages: readonly string[]): Locale {
  const chosen = cookie
    .split(";")
    .map((part) => part.trim().split("="))
    .find(([name]) => name === LOCALE_COOKIE)?.[1];
  return isLocale(chosen) ? chosen : localeFromAcceptLanguage(languages.join(","));
}
