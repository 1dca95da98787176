"use client";

import { useTranslations } from "next-intl";
import { useState } from "react";

import { PageHeading } from "@/components/layout/PageHeading";
import { StatusMessage } from "@/components/ui/Alert";
import { Button } from "@/components/ui/Button";
import { SelectField } from "@/components/ui/Field";
import { Pagination } from "@/components/ui/Pagination";
import { SearchField } from "@/components/ui/SearchField";
import { QueryView } from "@/components/ui/States";
import { useAuth } from "@/contexts/auth";
import { oneOf, useAddressFilters } from "@/lib/addressFilters";
import { USER_ROLES } from "@/lib/api/enums";
import { PAGE_SIZE } from "@/lib/queries";

import { DeleteUserDialog } from "./DeleteUserDialog";
import { parseUserFilters, userFiltersQuery } from "./filters";
import { useUsers, type User } from "./queries";
import { UserFormDialog } from "./UserFormDialog";
import { UserTable } from "./UserTable";

type OpenDialog = { kind: "create" } | { kind: "edit" | "delete"; user: User } | null;

export function UsersScreen() {
  const { user } = useAuth();
  return user ? <UsersManager actor={user} /> : null;
}

function UsersManager({ actor }: { actor: User }) {
  const t = useTranslations("users");
  const tCommon = useTranslations("common");
  const { filters, update } = useAddressFilters({ path: "/users", parse: parseUserFilters, toQuery: userFiltersQuery });
  const [dialog, setDialog] = useState<OpenDialog>(null);
  const [notice, setNotice] = useState("");
  const users = useUsers(filters);

  return (
    <section>
      <PageHeading actions={<Button onClick={() => setDialog({ kind: "create" })}>{t("create")}</Button>}>
        {t("title")}
      </PageHeading>
      <div role="search" className="mb-4 grid grid-cols-1 gap-3 rounded-lg border border-slate-200 bg-white p-4 sm:grid-cols-2">
        <SearchField
          label={t("search")}
          hint={t("searchHint")}
          maxLength={100}
          applied={filters.search}
          onApply={(search) => update({ search })}
        />
        <SelectField
          label={t("columns.role")}
          value={filters.role ?? ""}
          onChange={(event) => update({ role: oneOf(USER_ROLES, event.target.value) })}
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
            <Pagination offset={filters.offset} limit={PAGE_SIZE} total={page.total} totalCapped={page.total_capped} onChange={(offset) => update({ offset })} />
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
