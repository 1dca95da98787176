import type { Schemas } from "@/lib/api/client";

export type ImportReport = Schemas["ImportReport"];
export type ImportRow = Schemas["ImportRow"];

/** The file name a `Content-Disposition: attachment; filename="..."` header gives, if any. */
export function attachmentName(disposition: string | null): string | null {
  const match = disposition?.match(/filename="([^"]+)"/);
  return match?.[1] ?? null;
}

/** Whether a dry run's report leaves anything to import: no errors, and some change. */
export function canImport(report: ImportReport): boolean {
  return report.errors === 0 && report.created + report.updated > 0;
}

/** What a row's last column says: its errors, else the columns an update changes. */
export function rowNotes(row: ImportRow): string {
  if (row.errors.length > 0) {
    return row.errors.map((problem) => `${problem.field}: ${problem.message}`).join("; ");
  }
  return row.changed.join(", ");
}

/** Offers `blob` as a download named `filename`, as a link to it would. */
export function saveFile(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  link.click();
  URL.revokeObjectURL(url);
}
