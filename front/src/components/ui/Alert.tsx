import type { ReactNode } from "react";

/** An error announced as it appears (`role="alert"` is assertive and live). */
export function ErrorAlert({ children }: { children: ReactNode }) {
  if (!children) {
    return null;
  }
  return (
    <div role="alert" className="rounded-md border border-red-300 bg-red-50 px-4 py-3 text-sm text-red-800">
      {children}
    </div>
  );
}

/** A polite live region: its text is read out when it changes, without interrupting. */
export function StatusMessage({ children }: { children: ReactNode }) {
  return (
    <p role="status" aria-live="polite" className="min-h-5 text-sm text-green-800">
      {children}
    </p>
  );
}
