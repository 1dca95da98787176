import { useId, type ComponentProps, type ReactNode } from "react";

interface FrameProps {
  label: ReactNode;
  hint?: ReactNode;
  error?: string | null;
  className?: string;
}

interface ControlIds {
  id: string;
  "aria-invalid": true | undefined;
  "aria-describedby": string | undefined;
}

const CONTROL_CLASS =
  "min-h-10 rounded-md border border-slate-300 bg-white px-3 py-2 text-slate-900 aria-invalid:border-red-600";

/** Label, hint and error around one control, wired so that both are read out with it. */
function FieldFrame({
  label,
  hint,
  error,
  className = "",
  control,
}: FrameProps & { control: (ids: ControlIds) => ReactNode }) {
  const id = useId();
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  return (
    <div className={`flex flex-col gap-1 ${className}`}>
      <label htmlFor={id} className="text-sm font-medium text-slate-800">
        {label}
      </label>
      {control({
        id,
        "aria-invalid": error ? true : undefined,
        "aria-describedby": [hintId, errorId].filter(Boolean).join(" ") || undefined,
      })}
      {hint && (
        <p id={hintId} className="text-xs text-slate-600">
          {hint}
        </p>
      )}
      {error && (
        <p id={errorId} className="text-sm text-red-700">
          {error}
        </p>
      )}
    </div>
  );
}

/** Splits a field's props into the frame's and the control's own. */
function splitFrame<Control>({
  label,
  hint,
  error,
  className,
  ...control
}: FrameProps & Control): [FrameProps, Omit<FrameProps & Control, keyof FrameProps>] {
  return [{ label, hint, error, className }, control];
}

export function Field(props: FrameProps & ComponentProps<"input">) {
  const [frame, input] = splitFrame(props);
  return <FieldFrame {...frame} control={(ids) => <input {...ids} className={CONTROL_CLASS} {...input} />} />;
}

export function TextAreaField(props: FrameProps & ComponentProps<"textarea">) {
  const [frame, textarea] = splitFrame(props);
  return (
    <FieldFrame
      {...frame}
      control={(ids) => <textarea {...ids} className={CONTROL_CLASS} rows={3} {...textarea} />}
    />
  );
}

export function SelectField({
  options,
  ...props
}: FrameProps &
  ComponentProps<"select"> & {
    options: readonly { value: string; label: string }[];
  }) {
  const [frame, select] = splitFrame(props);
  return (
    <FieldFrame
      {...frame}
      control={(ids) => (
        <select {...ids} className={CONTROL_CLASS} {...select}>
          {options.map((option) => (
            <option key={option.value} value={option.value}>
              {option.label}
            </option>
          ))}
        </select>
      )}
    />
  );
}
