import type { Metadata } from "next";
import { getTranslations } from "next-intl/server";

import { RequireAdmin } from "@/components/auth/guards";
import { UsersScreen } from "@/features/users/UsersScreen";

export async function generateMetadata(): Promise<Metadata> {
  return { title: (await getTranslations("users"))("title") };
}

export default function UsersPage() {
  return (
    <RequireAdmin>
      <UsersScreen />
    </RequireAdmin>
  );
}
