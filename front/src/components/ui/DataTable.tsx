import type { ReactNode } from "react";

export interface Column {
  label: string;
  /** Numbers line up on the right. */
  numeric?: boolean;
  /** Read out but not shown, for a column whose cells explain themselves (a remove button). */
  labelHidden?: boolean;
  className?: string;
}

/** The padding of every cell, with numbers on the right. */
export function cellClass(numeric = false): string {
  return `px-3 py-2 align-middle${numeric ? " text-right tabular-nums" : ""}`;
}

interface DataTableProps {
  /** The table's name for screen readers. */
  caption: string;
  columns: readonly Column[];
  /** Below this width (rem) the table scrolls sideways instead of squeezing its columns. */
  minWidthRem: number;
  /** Without its own border, inside a panel that has one. */
  bare?: boolean;
  footer?: ReactNode;
  /** On a phone, these `RecordCard`s stand in for the table: one card per row, stacked. */
  cards?: ReactNode;
  children: ReactNode;
}

/** One record on a phone: the same facts as its table row. */
export function RecordCard({ children }: { children: ReactNode }) {
  return <li className="rounded-lg border border-slate-200 bg-white p-3 text-sm">{children}</li>;
}

/**
 * A table of records: named, its header row from `columns`, scrolling sideways on a phone, or
 * there a list of cards when it has them.
 */
export function DataTable({ caption, columns, minWidthRem, bare = false, footer, cards, children }: DataTableProps) {
  // Where the table scrolls sideways, a keyboard scrolls it too: the frame takes the focus, so
  // it is a group named like the table (not a landmark: a panel around it may bear that name).
  const table = (
    <div
      role="group"
      aria-label={caption}
      tabIndex={0}
      className={`overflow-x-auto focus-visible:outline-2 focus-visible:outline-blue-700 ${bare ? "" : "rounded-lg border border-slate-200 bg-white"}`}
    >
      <table className="w-full text-left text-sm" style={{ minWidth: `${minWidthRem}rem` }}>
        <caption className="sr-only">{caption}</caption>
        <thead className="bg-slate-100 text-slate-700">
          <tr>
            {columns.map((column) => (
              <th key={column.label} scope="col" className={`${cellClass(column.numeric)} ${column.className ?? ""}`}>
                {column.labelHidden ? <span className="sr-only">{column.label}</span> : column.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>{children}</tbody>
        {footer && <tfoot>{footer}</tfoot>}
      </table>
    </div>
  );
  if (!cards) {
    return table;
  }
  return (
    <>
      <ul aria-label={caption} className="flex flex-col gap-2 md:hidden">
        {cards}
      </ul>
      <div className="hidden md:block">{table}</div>
    </>
  );
}
