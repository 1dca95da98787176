import { Suspense, type ReactNode } from "react";

import { RequireAuth } from "@/components/auth/guards";
import { ShopConfigProvider } from "@/contexts/shop";

/** Every screen in this group needs a signed-in user, and shows amounts and times in the shop's terms. */
export default function SignedInLayout({ children }: { children: ReactNode }) {
  return (
    <Suspense>
      <RequireAuth>
        <ShopConfigProvider>{children}</ShopConfigProvider>
      </RequireAuth>
    </Suspense>
  );
}
