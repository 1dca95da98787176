import { Suspense, type ReactNode } from "react";

import { RequireAuth } from "@/components/auth/guards";

/** Every screen in this group needs a signed-in user. */
export default function SignedInLayout({ children }: { children: ReactNode }) {
  return (
    <Suspense>
      <RequireAuth>{children}</RequireAuth>
    </Suspense>
  );
}
