"use client";

import { useTranslations } from "next-intl";
import Link from "next/link";

import { Button } from "@/components/ui/Button";
import { cellClass, DataTable, RecordCard, type Column } from "@/components/ui/DataTable";
import { useShopFormat } from "@/contexts/shop";

import type { User } from "./queries";

interface UserTableProps {
  users: readonly User[];
  actor: User;
  onEdit(user: User): void;
  onDelete(user: User): void;
}

type UserRowProps = Omit<UserTableProps, "users"> & { user: User };

/** Edit and delete where the API allows them, else why not; and the account's orders. */
function UserActions({ user, onEdit, onDelete }: UserRowProps) {
  const t = useTranslations("users");
  const { change_access: changeAccess, delete: deletion } = user.permissions;
  // The rules that refuse one refuse the other, so deleting's reason says why for both.
  const locked = !changeAccess.allowed && !deletion.allowed ? deletion.refused_because : null;
  return (
    <div className="flex flex-wrap items-center gap-2">
      {changeAccess.allowed && (
        <Button variant="secondary" aria-label={t("editLabel", { username: user.username })} onClick={() => onEdit(user)}>
          {t("edit")}
        </Button>
      )}
      {deletion.allowed && (
        <Button variant="ghost" aria-label={t("deleteLabel", { username: user.username })} onClick={() => onDelete(user)}>
          {t("deleteAction")}
        </Button>
      )}
      {locked && locked !== "not_admin" && <span className="text-xs text-slate-600">{t(`locked.${locked}`)}</span>}
      <Link
        href={`/orders?customer=${encodeURIComponent(user.username)}`}
        aria-label={t("ordersLabel", { username: user.username })}
        className="px-2 text-blue-700 underline"
      >
        {t("orders")}
      </Link>
    </div>
  );
}

function ActiveState({ user }: { user: User }) {
  const t = useTranslations("users");
  return (
    <span className={user.is_active ? "text-green-800" : "font-medium text-red-800"}>
      {user.is_active ? t("active") : t("inactive")}
    </span>
  );
}

function UserName({ user, actor }: { user: User; actor: User }) {
  const t = useTranslations("users");
  return (
    <>
      {user.username}
      {user.id === actor.id && <span className="ml-1 font-normal text-slate-600">({t("you")})</span>}
      {user.full_name && <span className="block text-xs font-normal text-slate-600">{user.full_name}</span>}
    </>
  );
}

/** On a phone, one card per account; the same facts as a table row. */
function UserCard(props: UserRowProps) {
  const tRoles = useTranslations("common.roles");
  const format = useShopFormat();
  const { user } = props;
  return (
    <RecordCard>
      <div className="flex items-start justify-between gap-2">
        <p className="font-medium text-slate-900">
          <UserName user={user} actor={props.actor} />
        </p>
        <ActiveState user={user} />
      </div>
      <p className="mt-1 break-all text-slate-600">{user.email}</p>
      <p className="mt-1 text-slate-600">
        {tRoles(user.role)} · {format.date(user.created_at)}
      </p>
      <div className="mt-2">
        <UserActions {...props} />
      </div>
    </RecordCard>
  );
}

/** The accounts, as cards on a phone; edit and delete only where the rules allow it. */
export function UserTable({ users, ...actions }: UserTableProps) {
  const t = useTranslations("users");
  const tRoles = useTranslations("common.roles");
  const format = useShopFormat();
  const columns: Column[] = (["username", "email", "role", "status", "created", "actions"] as const).map(
    (name) => ({ label: t(`columns.${name}`) }),
  );
  return (
    <DataTable
      caption={t("title")}
      columns={columns}
      minWidthRem={48}
      cards={users.map((user) => (
        <UserCard key={user.id} user={user} {...actions} />
      ))}
    >
      {users.map((user) => (
        <tr key={user.id} className="border-t border-slate-200">
          <th scope="row" className={`${cellClass()} font-medium`}>
            <UserName user={user} actor={actions.actor} />
          </th>
          <td className={`${cellClass()} break-all`}>{user.email}</td>
          <td className={cellClass()}>{tRoles(user.role)}</td>
          <td className={cellClass()}>
            <ActiveState user={user} />
          </td>
          <td className={cellClass()}>{format.date(user.created_at)}</td>
          <td className={cellClass()}>
            <UserActions user={user} {...actions} />
          </td>
        </tr>
      ))}
    </DataTable>
  );
}
