"use client";

import { useLocale, useTranslations } from "next-intl";
import Link from "next/link";

import { Button } from "@/components/ui/Button";
import { cellClass, DataTable, type Column } from "@/components/ui/DataTable";
import { formatDate } from "@/lib/dates";

import type { User } from "./queries";
import { manageVerdict } from "./rules";

interface UserTableProps {
  users: readonly User[];
  actor: User;
  onEdit(user: User): void;
}

/** The accounts, scrolling sideways on a phone; edit only where the rules allow it. */
export function UserTable({ users, actor, onEdit }: UserTableProps) {
  const t = useTranslations("users");
  const tRoles = useTranslations("common.roles");
  const locale = useLocale();
  const columns: Column[] = (["username", "email", "role", "status", "created", "actions"] as const).map(
    (name) => ({ label: t(`columns.${name}`) }),
  );
  return (
    <DataTable caption={t("title")} columns={columns} minWidthRem={48}>
      {users.map((user) => {
        const verdict = manageVerdict(actor, user);
        return (
          <tr key={user.id} className="border-t border-slate-200">
            <th scope="row" className={`${cellClass()} font-medium`}>
              {user.username}
              {user.id === actor.id && <span className="ml-1 font-normal text-slate-600">({t("you")})</span>}
              {user.full_name && <span className="block text-xs font-normal text-slate-600">{user.full_name}</span>}
            </th>
            <td className={`${cellClass()} break-all`}>{user.email}</td>
            <td className={cellClass()}>{tRoles(user.role)}</td>
            <td className={cellClass()}>
              <span className={user.is_active ? "text-green-800" : "font-medium text-red-800"}>
                {user.is_active ? t("active") : t("inactive")}
              </span>
            </td>
            <td className={cellClass()}>{formatDate(user.created_at, locale)}</td>
            <td className={cellClass()}>
              <div className="flex flex-wrap items-center gap-2">
                {verdict.allowed ? (
                  <Button
                    variant="secondary"
                    aria-label={t("editLabel", { username: user.username })}
                    onClick={() => onEdit(user)}
                  >
                    {t("edit")}
                  </Button>
                ) : (
                  verdict.reason !== "notAdmin" && (
                    <span className="text-xs text-slate-600">{t(`locked.${verdict.reason}`)}</span>
                  )
                )}
                <Link
                  href={`/orders?customer=${encodeURIComponent(user.username)}`}
                  aria-label={t("ordersLabel", { username: user.username })}
                  className="px-2 text-blue-700 underline"
                >
                  {t("orders")}
                </Link>
              </div>
            </td>
          </tr>
        );
      })}
    </DataTable>
  );
}
