"use client";

import { useTranslations } from "next-intl";
import { useState, type FormEvent } from "react";

import { ErrorAlert } from "@/components/ui/Alert";
import { Button } from "@/components/ui/Button";
import { Panel } from "@/components/ui/Panel";
import { useUpdateProfile, type User } from "@/contexts/auth";
import { asApiError } from "@/lib/api/errors";
import { useFormErrorSummary } from "@/lib/i18n/errorText";
import { addressFromForm, sameAddress, type ShippingAddress } from "@/features/shipping/address";
import { AddressFields } from "@/features/shipping/AddressFields";

import { SaveRow } from "./SaveRow";

const PREFIX = "default_shipping_address";

/** The address the checkout starts from: saved, replaced or removed. */
export function AddressForm({ user }: { user: User }) {
  const t = useTranslations("shipping.profile");
  const update = useUpdateProfile();
  const error = update.error ? asApiError(update.error) : null;
  const errorSummary = useFormErrorSummary("profile");
  const [notice, setNotice] = useState("");
  // The fields are uncontrolled: a new key starts them again from what was saved.
  const [generation, setGeneration] = useState(0);
  const current = user.default_shipping_address;

  async function save(address: ShippingAddress | null) {
    setNotice("");
    if (sameAddress(address, current)) {
      setNotice(t("unchanged"));
      return;
    }
    try {
      await update.mutateAsync({ default_shipping_address: address });
      setNotice(address ? t("saved") : t("cleared"));
      setGeneration((count) => count + 1);
    } catch {
      // Shown from update.error, beside the fields.
    }
  }

  function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    void save(addressFromForm(new FormData(event.currentTarget), PREFIX));
  }

  return (
    <Panel title={t("title")}>
      <p className="text-sm text-slate-600">{current ? t("hint") : t("none")}</p>
      <form key={generation} onSubmit={handleSubmit} className="flex flex-col gap-3">
        <ErrorAlert>{errorSummary(error)}</ErrorAlert>
        <AddressFields prefix={PREFIX} initial={current} required={false} error={error} errorFeature="profile" />
        <div className="flex flex-wrap items-center gap-3">
          <SaveRow label={t("submit")} pendingLabel={t("saving")} pending={update.isPending} notice={notice} />
          {current && (
            <Button variant="secondary" disabled={update.isPending} onClick={() => void save(null)}>
              {t("clear")}
            </Button>
          )}
        </div>
      </form>
    </Panel>
  );
}
