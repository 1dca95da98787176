import { Button } from "./Button";

interface DialogButtonsProps {
  dismissLabel: string;
  onDismiss(): void;
  confirmLabel: string;
  /** Disables the confirm button while its action runs, so it can't run twice. */
  pending?: boolean;
  /** Disables the confirm button until there is something to confirm. */
  incomplete?: boolean;
  danger?: boolean;
  /** A form's dialog submits it; otherwise the confirm button calls `onConfirm`. */
  onConfirm?: () => void;
}

/** A dialog's closing row: the safe way out first, then the action. */
export function DialogButtons({ dismissLabel, onDismiss, confirmLabel, pending = false, incomplete = false, danger = false, onConfirm }: DialogButtonsProps) {
  return (
    <div className="mt-2 flex flex-wrap justify-end gap-2">
      <Button variant="secondary" autoFocus={onConfirm !== undefined} onClick={onDismiss}>
        {dismissLabel}
      </Button>
      <Button
        type={onConfirm ? "button" : "submit"}
        variant={danger ? "danger" : "primary"}
        disabled={pending || incomplete}
        onClick={onConfirm}
      >
        {confirmLabel}
      </Button>
    </div>
  );
}
