"use client";

import { useMutation } from "@tanstack/react-query";
import type { FormEvent } from "react";

import { asApiError, type ApiError } from "./api/errors";

/** A form's submit handler running `submit` on its data, with its pending state and error. */
export function useFormSubmit(submit: (form: FormData) => Promise<unknown>): {
  onSubmit(event: FormEvent<HTMLFormElement>): void;
  pending: boolean;
  error: ApiError | null;
} {
  const mutation = useMutation({ mutationFn: submit });
  return {
    onSubmit(event) {
      event.preventDefault();
      mutation.mutate(new FormData(event.currentTarget));
    },
    pending: mutation.isPending,
    error: mutation.error ? asApiError(mutation.error) : null,
  };
}
