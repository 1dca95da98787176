"use client";

import { useTranslations } from "next-intl";

import { useUser } from "./queries";

/** Whose order it is, for admins: the username once loaded, the user's number until then. */
export function CustomerName({ userId }: { userId: number }) {
  const t = useTranslations("orders");
  const user = useUser(userId);
  return <>{user.data?.username ?? t("userNumber", { id: userId })}</>;
}
