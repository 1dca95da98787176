"use client";

import { useTranslations } from "next-intl";

import { PageHeading } from "@/components/layout/PageHeading";
import { useAuth } from "@/contexts/auth";

import { AdminDashboard } from "./AdminDashboard";
import { CustomerDashboard } from "./CustomerDashboard";

export function DashboardScreen() {
  const t = useTranslations("dashboard");
  const { isAdmin } = useAuth();
  return (
    <section>
      <PageHeading>{t("title")}</PageHeading>
      {isAdmin ? <AdminDashboard /> : <CustomerDashboard />}
    </section>
  );
}
