import { cookies, headers } from "next/headers";
import { getRequestConfig } from "next-intl/server";

import { isLocale, localeFromAcceptLanguage, LOCALE_COOKIE } from "./config";
import { MESSAGES } from "./messages";

// Without i18n routing: the locale is the visitor's choice (a cookie), else their browser's.
export default getRequestConfig(async () => {
  const chosen = (await cookies()).get(LOCALE_COOKIE)?.value;
  const locale = isLocale(chosen)
    ? chosen
    : localeFromAcceptLanguage((await headers()).get("accept-language"));
  return { locale, messages: MESSAGES[locale] };
});
