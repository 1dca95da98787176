import { useId, type ComponentProps } from "react";

type CheckboxFieldProps = { label: string; hint: string } & Omit<ComponentProps<"input">, "type" | "id">;

/** A checkbox with its label beside it and a hint read with it. */
export function CheckboxField({ label, hint, ...input }: CheckboxFieldProps) {
  const id = useId();
  return (
    <div className="flex items-start gap-2">
      <input
        id={id}
        type="checkbox"
        aria-describedby={`${id}-hint`}
        className="mt-0.5 size-5 rounded border-slate-300"
        {...input}
      />
      <div className="flex flex-col">
        <label htmlFor={id} className="text-sm font-medium text-slate-800">
          {label}
        </label>
        <p id={`${id}-hint`} className="text-xs text-slate-600">
          {hint}
        </p>
      </div>
    </div>
  );
}
