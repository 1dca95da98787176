import { describe, expect, it } from "vitest";

import { attachmentName, canImport, rowNotes, type ImportReport, type ImportRow } from "./spreadsheet";

const REPORT: ImportReport = { dry_run: true, created: 0, updated: 0, unchanged: 2, errors: 0, rows: [] };
const ROW: ImportRow = { row: 2, sku: "A-1", action: "update", changed: ["name", "price"], errors: [] };

describe("products in spreadsheets", () => {
  it("take the export's file name from its Content-Disposition", () => {
    expect(attachmentName('attachment; filename="products-2026-12-06.csv"')).toBe("products-2026-12-06.csv");
    expect(attachmentName("attachment")).toBeNull();
    expect(attachmentName(null)).toBeNull();
  });

  it("offer the import only when a dry run found changes and no errors", () => {
    expect(canImport(REPORT)).toBe(false);
    expect(canImport({ ...REPORT, created: 1 })).toBe(true);
    expect(canImport({ ...REPORT, updated: 1, errors: 1 })).toBe(false);
  });

  it("say what changes on a row, or what is wrong with it", () => {
    expect(rowNotes(ROW)).toBe("name, price");
    const wrong: ImportRow = {
      ...ROW,
      action: "error",
      changed: [],
      errors: [
        { field: "price", message: "Input should be greater than 0" },
        { field: "sku", message: "Row 2 has this SKU already" },
      ],
    };
    expect(rowNotes(wrong)).toBe("price: Input should be greater than 0; sku: Row 2 has this SKU already");
  });
});
