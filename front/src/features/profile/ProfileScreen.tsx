"use client";

import { useTranslations } from "next-intl";

import { PageHeading } from "@/components/layout/PageHeading";
import { useAuth } from "@/contexts/auth";

import { AddressForm } from "./AddressForm";
import { DetailsForm } from "./DetailsForm";
import { NotificationsForm } from "./NotificationsForm";
import { PasswordForm } from "./PasswordForm";

export function ProfileScreen() {
  const t = useTranslations("profile");
  const { user } = useAuth();
  if (!user) {
    return null;
  }
  return (
    <section>
      <PageHeading>{t("title")}</PageHeading>
      <div className="grid grid-cols-1 gap-4 lg:grid-cols-2">
        <DetailsForm user={user} />
        <PasswordForm user={user} />
        <AddressForm user={user} />
        <NotificationsForm user={user} />
      </div>
    </section>
  );
}
