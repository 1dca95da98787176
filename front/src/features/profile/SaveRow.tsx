import { StatusMessage } from "@/components/ui/Alert";
import { Button } from "@/components/ui/Button";

interface SaveRowProps {
  label: string;
  pendingLabel: string;
  pending: boolean;
  /** What the last save did, announced beside the button. */
  notice: string;
}

/** A profile form's submit button and the outcome of its last submit. */
export function SaveRow({ label, pendingLabel, pending, notice }: SaveRowProps) {
  return (
    <div className="flex flex-wrap items-center gap-3">
      <Button type="submit" disabled={pending}>
        {pending ? pendingLabel : label}
      </Button>
      <StatusMessage>{notice}</StatusMessage>
    </div>
  );
}
