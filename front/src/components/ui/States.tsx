"use client";

import type { UseQueryResult } from "@tanstack/react-query";
import { useTranslations } from "next-intl";
import type { ReactNode } from "react";

import { useApiErrorText } from "@/lib/i18n/errorText";

import { ErrorAlert } from "./Alert";
import { Button } from "./Button";

export function LoadingState({ label }: { label?: string }) {
  const t = useTranslations("common.states");
  return (
    <div role="status" aria-live="polite" className="flex items-center gap-3 py-8 text-slate-600">
      <span aria-hidden className="size-5 animate-spin rounded-full border-2 border-slate-300 border-t-blue-700" />
      {label ?? t("loading")}
    </div>
  );
}

export function ErrorState({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const t = useTranslations("common.states");
  const errorText = useApiErrorText();
  return (
    <div className="flex flex-col items-start gap-3 py-6">
      <ErrorAlert>{errorText(error)}</ErrorAlert>
      {onRetry && (
        <Button variant="secondary" onClick={onRetry}>
          {t("retry")}
        </Button>
      )}
    </div>
  );
}

export function EmptyState({ children }: { children: ReactNode }) {
  return <div className="rounded-md border border-dashed border-slate-300 px-4 py-10 text-center text-slate-600">{children}</div>;
}

interface QueryViewProps<T> {
  query: UseQueryResult<T>;
  /** Whether the answer has nothing to show, then `empty` shows instead of `children`. */
  isEmpty?: (data: T) => boolean;
  empty?: ReactNode;
  children: (data: T) => ReactNode;
}

/** One query's loading, error (with retry), empty and loaded states, in that order. */
export function QueryView<T>({ query, isEmpty, empty, children }: QueryViewProps<T>) {
  if (query.isError) {
    return <ErrorState error={query.error} onRetry={() => void query.refetch()} />;
  }
  if (query.data === undefined) {
    return <LoadingState />;
  }
  if (isEmpty?.(query.data)) {
    return <EmptyState>{empty}</EmptyState>;
  }
  return children(query.data);
}
