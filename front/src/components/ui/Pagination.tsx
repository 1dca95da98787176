"use client";

import { useTranslations } from "next-intl";

import { Button } from "./Button";

interface PaginationProps {
  offset: number;
  limit: number;
  total: number;
  /** The API stopped counting at `total`: there are more. */
  totalCapped: boolean;
  onChange(offset: number): void;
}

export function Pagination({ offset, limit, total, totalCapped, onChange }: PaginationProps) {
  const t = useTranslations("common");
  if (total === 0) {
    return null;
  }
  return (
    <nav aria-label={t("pagination.label")} className="flex flex-wrap items-center justify-between gap-3">
      <p className="text-sm text-slate-700">
        {t(totalCapped ? "pagination.rangeCapped" : "pagination.range", {
          from: offset + 1,
          to: Math.min(offset + limit, total),
          total,
        })}
      </p>
      <div className="flex gap-2">
        <Button variant="secondary" disabled={offset === 0} onClick={() => onChange(Math.max(0, offset - limit))}>
          {t("actions.previous")}
        </Button>
        <Button variant="secondary" disabled={offset + limit >= total} onClick={() => onChange(offset + limit)}>
          {t("actions.next")}
        </Button>
      </div>
    </nav>
  );
}
