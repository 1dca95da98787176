"use client";

import { useTranslations } from "next-intl";
import { useState } from "react";

import { PageHeading } from "@/components/layout/PageHeading";
import { StatusMessage } from "@/components/ui/Alert";
import { Button } from "@/components/ui/Button";
import { Field, SelectField } from "@/components/ui/Field";
import { Pagination } from "@/components/ui/Pagination";
import { QueryView } from "@/components/ui/States";
import { useAuth } from "@/contexts/auth";
import { USER_ROLES, type UserRole } from "@/lib/api/enums";
import { PAGE_SIZE } from "@/lib/queries";
import { useDebouncedValue } from "@/lib/useDebouncedValue";

import { DeleteUserDialog } from "./DeleteUserDialog";
import { useUsers, type User } from "./queries";
import { UserFormDialog } from "./UserFormDialog";
import { UserTable } from "./UserTable";

const SEARCH_DEBOUNCE_MS = 300;

type OpenDialog = { kind: "create" } | { kind: "edit" | "delete"; user: User } | null;

export function UsersScreen() {
  const { user } = useAuth();
  return user ? <UsersManager actor={user} /> : null;
}

function UsersManager({ actor }: { actor: User }) {
  const t = useTranslations("users");
  const tCommon = useTranslations("common");
  const [search, setSearch] = useState("");
  const [role, setRole] = useState<UserRole | null>(null);
  const [offset, setOffset] = useState(0);
  const [dialog, setDialog] = useState<OpenDialog>(null);
  const [notice, setNotice] = useState("");
  const debouncedSearch = useDebouncedValue(search, SEARCH_DEBOUNCE_MS);
  const users = useUsers({ search: debouncedSearch, role, offset });

  return (
    <section>
      <PageHeading actions={<Button onClick={() => setDialog({ kind: "create" })}>{t("create")}</Button>}>
        {t("title")}
      </PageHeading>
      <div role="search" className="mb-4 grid grid-cols-1 gap-3 rounded-lg border border-slate-200 bg-white p-4 sm:grid-cols-2">
        <Field
          label={t("search")}
          hint={t("searchHint")}
          type="search"
          value={search}
          maxLength={100}
          onChange={(event) => {
            setSearch(event.target.value);
            setOffset(0);
          }}
        />
        <SelectField
          label={t("columns.role")}
          value={role ?? ""}
          onChange={(event) => {
            setRole(USER_ROLES.find((option) => option === event.target.value) ?? null);
            setOffset(0);
          }}
          options={[
            { value: "", label: t("allRoles") },
            ...USER_ROLES.map((option) => ({ value: option, label: tCommon(`roles.${option}`) })),
          ]}
        />
      </div>
      <StatusMessage>{notice}</StatusMessage>
      <QueryView query={users} isEmpty={(page) => page.items.length === 0} empty={t("empty")}>
        {(page) => (
          <div className="flex flex-col gap-4" aria-busy={users.isFetching}>
            <UserTable
              users={page.items}
              actor={actor}
              onEdit={(user) => setDialog({ kind: "edit", user })}
              onDelete={(user) => setDialog({ kind: "delete", user })}
            />
            <Pagination offset={offset} limit={PAGE_SIZE} total={page.total} onChange={setOffset} />
          </div>
        )}
      </QueryView>
      {dialog?.kind === "delete" && (
        <DeleteUserDialog
          user={dialog.user}
          onClose={() => setDialog(null)}
          onDone={(message) => {
            setNotice(message);
            setDialog(null);
          }}
        />
      )}
      {(dialog?.kind === "create" || dialog?.kind === "edit") && (
        <UserFormDialog
          user={dialog.kind === "edit" ? dialog.user : null}
          onClose={() => setDialog(null)}
          onSaved={setNotice}
        />
      )}
    </section>
  );
}
