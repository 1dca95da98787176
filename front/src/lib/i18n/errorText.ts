"use client";

import { useTranslations } from "next-intl";
import { useCallback } from "react";

import { MESSAGES, type Messages } from "@/i18n/messages";
import { ApiError, asApiError } from "@/lib/api/errors";

/** Features whose messages have an `errors` table of their own, tried before `common`. */
export type ErrorFeature = "auth" | "products" | "cart" | "orders" | "users" | "profile";

type ErrorKey =
  | `common.errors.${keyof Messages["common"]["errors"] & string}`
  | { [F in ErrorFeature]: `${F}.errors.${keyof Messages[F]["errors"] & string}` }[ErrorFeature];
type FieldErrorKey = `common.fieldErrors.${keyof Messages["common"]["fieldErrors"] & string}`;

type Values = Record<string, string | number>;

// Every locale has the same keys (messages.test.ts), so English tells which codes have one.
const KNOWN = MESSAGES.en;

/** Conflicts that concern one field of a form, shown beside it. */
const FIELD_OF_CODE: Record<string, string> = {
  username_taken: "username",
  email_taken: "email",
  sku_taken: "sku",
};

function errorKey(code: string, feature: ErrorFeature | undefined): ErrorKey | null {
  if (feature && code in KNOWN[feature].errors) {
    return `${feature}.errors.${code}` as ErrorKey;
  }
  return code in KNOWN.common.errors ? (`common.errors.${code}` as ErrorKey) : null;
}

function primitives(context: Record<string, unknown>): Values {
  const values: Values = {};
  for (const [name, value] of Object.entries(context)) {
    if (typeof value === "string" || typeof value === "number") {
      values[name] = value;
    }
  }
  return values;
}

function errorValues(error: ApiError): Values {
  const shortage = error.stockProblems[0];
  return {
    minutes: Math.max(1, Math.ceil((error.retryAfter ?? 60) / 60)),
    available: shortage?.available ?? 0,
    requested: shortage?.requested ?? 0,
  };
}

/** A function giving the translated text for any error, by its code; else the API's detail. */
export function useApiErrorText(feature?: ErrorFeature): (error: unknown) => string {
  const t = useTranslations();
  return useCallback(
    (thrown: unknown) => {
      const error = asApiError(thrown);
      const key = errorKey(error.code, feature);
      return key ? t(key, errorValues(error)) : error.message;
    },
    [t, feature],
  );
}

/** A function giving the translated error of one form field, or null. */
export function useFieldErrorText(
  feature?: ErrorFeature,
): (error: ApiError | null, field: string) => string | null {
  const t = useTranslations();
  const errorText = useApiErrorText(feature);
  return useCallback(
    (error: ApiError | null, field: string) => {
      if (!error) {
        return null;
      }
      if (FIELD_OF_CODE[error.code] === field) {
        return errorText(error);
      }
      const problem = error.fieldError(field);
      if (!problem) {
        return null;
      }
      if (problem.type in KNOWN.common.fieldErrors) {
        return t(`common.fieldErrors.${problem.type}` as FieldErrorKey, primitives(problem.context));
      }
      return problem.message;
    },
    [t, errorText],
  );
}

/** Whether the error belongs beside a field rather than at the top of the form. */
export function isFieldError(error: ApiError | null): boolean {
  return error !== null && (error.fieldErrors.length > 0 || error.code in FIELD_OF_CODE);
}

/**
 * The line at the top of a form, announced as it appears: the error itself, or for errors
 * shown beside fields a pointer to them (those aren't read out until their field is reached).
 */
export function useFormErrorSummary(feature?: ErrorFeature): (error: ApiError | null) => string | null {
  const t = useTranslations();
  const errorText = useApiErrorText(feature);
  return useCallback(
    (error: ApiError | null) => {
      if (!error) {
        return null;
      }
      return isFieldError(error) ? t("common.errors.validation_error") : errorText(error);
    },
    [t, errorText],
  );
}
