"use client";

import { useTranslations } from "next-intl";
import { useEffect, useState } from "react";

import { ErrorAlert, StatusMessage } from "@/components/ui/Alert";
import { CheckboxField } from "@/components/ui/CheckboxField";
import { Panel } from "@/components/ui/Panel";
import { useUpdateProfile, type User } from "@/contexts/auth";
import { useApiErrorText } from "@/lib/i18n/errorText";

/** Where the order mails' footer links to turn them off: `/profile#notifications`. */
const ANCHOR = "notifications";

/** Which mails the account gets: a switch saved as soon as it is flipped. */
export function NotificationsForm({ user }: { user: User }) {
  const t = useTranslations("profile.notifications");
  const update = useUpdateProfile();
  const errorText = useApiErrorText("profile");
  const [notice, setNotice] = useState("");
  // While the change is on its way, the switch shows it already.
  const [sending, setSending] = useState<boolean | null>(null);

  useEffect(() => {
    // The screen appears only once the session is known, after the browser looked for the anchor.
    if (window.location.hash === `#${ANCHOR}`) {
      document.getElementById(ANCHOR)?.scrollIntoView();
    }
  }, []);

  async function choose(wanted: boolean) {
    setNotice("");
    setSending(wanted);
    try {
      await update.mutateAsync({ order_emails: wanted });
      setNotice(wanted ? t("on") : t("off"));
    } catch {
      // Shown from update.error above the switch.
    } finally {
      setSending(null);
    }
  }

  return (
    <Panel id={ANCHOR} title={t("title")}>
      <ErrorAlert>{update.error && errorText(update.error)}</ErrorAlert>
      <CheckboxField
        label={t("orderEmails")}
        hint={t("orderEmailsHint")}
        checked={sending ?? user.order_emails}
        disabled={sending !== null}
        onChange={(event) => void choose(event.target.checked)}
      />
      <StatusMessage>{notice}</StatusMessage>
    </Panel>
  );
}
