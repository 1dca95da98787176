"use client";

import type { ReactNode } from "react";

import { ErrorAlert } from "./Alert";
import { Dialog } from "./Dialog";
import { DialogButtons } from "./DialogButtons";

interface ConfirmDialogProps {
  title: string;
  children: ReactNode;
  /** Says what happens, e.g. "Yes, cancel the order": a bare "OK" is easy to click by mistake. */
  confirmLabel: string;
  dismissLabel: string;
  danger?: boolean;
  pending?: boolean;
  error?: string | null;
  onConfirm(): void;
  onClose(): void;
}

/** Asks before an action that can't be taken back; the safe choice has the focus. */
export function ConfirmDialog({
  title,
  children,
  confirmLabel,
  dismissLabel,
  danger = false,
  pending = false,
  error = null,
  onConfirm,
  onClose,
}: ConfirmDialogProps) {
  return (
    <Dialog open title={title} onClose={onClose}>
      <div className="text-sm text-slate-700">{children}</div>
      <ErrorAlert>{error}</ErrorAlert>
      <DialogButtons
        dismissLabel={dismissLabel}
        onDismiss={onClose}
        confirmLabel={confirmLabel}
        pending={pending}
        danger={danger}
        onConfirm={onConfirm}
      />
    </Dialog>
  );
}
