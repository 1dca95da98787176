"use client";

import { useTranslations } from "next-intl";
import { useState, type FormEvent } from "react";

import { ErrorAlert } from "@/components/ui/Alert";
import { DataTable, cellClass } from "@/components/ui/DataTable";
import { Dialog } from "@/components/ui/Dialog";
import { DialogButtons } from "@/components/ui/DialogButtons";
import { Field } from "@/components/ui/Field";
import { useApiErrorText } from "@/lib/i18n/errorText";

import { useImportProducts } from "./queries";
import { canImport, rowNotes, type ImportReport } from "./spreadsheet";

interface ImportDialogProps {
  onClose(): void;
  onImported(message: string): void;
}

/** Two steps: choose a file and see what each row would do (a dry run), then confirm. */
export function ImportDialog({ onClose, onImported }: ImportDialogProps) {
  const t = useTranslations("products.import");
  const tActions = useTranslations("common.actions");
  const send = useImportProducts();
  const errorText = useApiErrorText("products");
  const [file, setFile] = useState<File | null>(null);
  const [report, setReport] = useState<ImportReport | null>(null);

  async function check(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (file) {
      setReport(await send.mutateAsync({ file, dryRun: true }).catch(() => null));
    }
  }

  async function confirm() {
    if (!file) {
      return;
    }
    const done = await send.mutateAsync({ file, dryRun: false }).catch(() => null);
    if (done) {
      onImported(t("done", { created: done.created, updated: done.updated }));
      onClose();
    }
  }

  const columns = [
    { label: t("columns.row"), numeric: true },
    { label: t("columns.sku") },
    { label: t("columns.action") },
    { label: t("columns.notes") },
  ];

  return (
    <Dialog open title={t("title")} onClose={onClose}>
      <ErrorAlert>{send.error ? errorText(send.error) : null}</ErrorAlert>
      {report ? (
        <div className="flex flex-col gap-4">
          <p className="font-medium" role="status">
            {t("summary", {
              created: report.created,
              updated: report.updated,
              unchanged: report.unchanged,
              errors: report.errors,
            })}
          </p>
          <DataTable caption={t("caption")} columns={columns} minWidthRem={32}>
            {report.rows.map((row) => (
              <tr key={row.row} className="border-t border-slate-200">
                <td className={cellClass(true)}>{row.row}</td>
                <td className={cellClass()}>{row.sku}</td>
                <td className={cellClass()}>{t(`actions.${row.action}`)}</td>
                <td className={cellClass()}>{rowNotes(row)}</td>
              </tr>
            ))}
          </DataTable>
          <DialogButtons
            dismissLabel={t("back")}
            onDismiss={() => {
              send.reset();
              setReport(null);
            }}
            confirmLabel={t("confirm", { count: report.created + report.updated })}
            pending={send.isPending}
            incomplete={!canImport(report)}
            onConfirm={() => void confirm()}
          />
        </div>
      ) : (
        <form onSubmit={(event) => void check(event)} className="flex flex-col gap-4">
          <Field
            label={t("file")}
            name="file"
            type="file"
            accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            required
            hint={t("fileHint")}
            onChange={(event) => setFile(event.target.files?.[0] ?? null)}
          />
          <DialogButtons
            dismissLabel={tActions("cancel")}
            onDismiss={onClose}
            confirmLabel={t("check")}
            pending={send.isPending}
            incomplete={file === null}
          />
        </form>
      )}
    </Dialog>
  );
}
