"use client";

import { useLocale, useTranslations } from "next-intl";
import Link from "next/link";

import { Button } from "@/components/ui/Button";
import { formatDate } from "@/lib/dates";

import type { User } from "./queries";
import { manageVerdict } from "./rules";

const CELL = "px-3 py-2 align-middle";

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
  return (
    <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
      <table className="w-full min-w-[48rem] text-left text-sm">
        <caption className="sr-only">{t("title")}</caption>
        <thead className="bg-slate-100 text-slate-700">
          <tr>
            <th scope="col" className={CELL}>{t("columns.username")}</th>
            <th scope="col" className={CELL}>{t("columns.email")}</th>
            <th scope="col" className={CELL}>{t("columns.role")}</th>
            <th scope="col" className={CELL}>{t("columns.status")}</th>
            <th scope="col" className={CELL}>{t("columns.created")}</th>
            <th scope="col" className={CELL}>{t("columns.actions")}</th>
          </tr>
        </thead>
        <tbody>
          {users.map((user) => {
            const verdict = manageVerdict(actor, user);
            return (
              <tr key={user.id} className="border-t border-slate-200">
                <th scope="row" className={`${CELL} font-medium`}>
                  {user.username}
                  {user.id === actor.id && <span className="ml-1 font-normal text-slate-600">({t("you")})</span>}
                  {user.full_name && <span className="block text-xs font-normal text-slate-600">{user.full_name}</span>}
                </th>
                <td className={`${CELL} break-all`}>{user.email}</td>
                <td className={CELL}>{tRoles(user.role)}</td>
                <td className={CELL}>
                  <span className={user.is_active ? "text-green-800" : "font-medium text-red-800"}>
                    {user.is_active ? t("active") : t("inactive")}
                  </span>
                </td>
                <td className={CELL}>{formatDate(user.created_at, locale)}</td>
                <td className={CELL}>
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
        </tbody>
      </table>
    </div>
  );
}
