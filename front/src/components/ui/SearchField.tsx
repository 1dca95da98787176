"use client";

import { useEffect, useRef, useState, type ComponentProps, type ReactNode } from "react";

import { Field } from "./Field";

const SEARCH_DEBOUNCE_MS = 300;

interface SearchFieldProps extends Omit<ComponentProps<"input">, "value" | "onChange" | "type"> {
  label: ReactNode;
  hint?: ReactNode;
  /** The search in force, from the address. */
  applied: string;
  /** Called with the trimmed text once typing pauses. */
  onApply(search: string): void;
}

/**
 * A search box for a list whose filters live in the address: it shows what is typed, applies it
 * once typing pauses, and follows the address when back, forward or a link change it.
 */
export function SearchField({ applied, onApply, ...field }: SearchFieldProps) {
  const [search, setSearch] = useState(applied);
  const [sentSearch, setSentSearch] = useState(applied);
  const [appliedSearch, setAppliedSearch] = useState(applied);
  if (appliedSearch !== applied) {
    setAppliedSearch(applied);
    if (applied !== sentSearch) {
      // The address changed from elsewhere: show what applies now.
      setSearch(applied);
      setSentSearch(applied);
    }
  }
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);

  function apply(value: string) {
    clearTimeout(timer.current);
    timer.current = undefined;
    setSentSearch(value.trim());
    onApply(value.trim());
  }

  function type(value: string) {
    setSearch(value);
    clearTimeout(timer.current);
    timer.current = setTimeout(() => apply(value), SEARCH_DEBOUNCE_MS);
  }

  // Leaving the box applies a pending search at once: applied later, its address change
  // would override a navigation the user started meanwhile (a click on "Cart").
  function leave() {
    if (timer.current !== undefined) {
      apply(search);
    }
  }

  return (
    <Field
      {...field}
      type="search"
      value={search}
      onChange={(event) => type(event.target.value)}
      onBlur={leave}
    />
  );
}
