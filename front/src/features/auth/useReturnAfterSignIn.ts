"use client";

import { useRouter, useSearchParams } from "next/navigation";
import { useEffect } from "react";

import { useAuth } from "@/contexts/auth";
import { safeNextPath } from "@/lib/navigation";

/** Once signed in, go where the visitor was heading (`?next=`), else to the products. */
export function useReturnAfterSignIn(): string {
  const { status } = useAuth();
  const router = useRouter();
  const next = safeNextPath(useSearchParams().get("next"));
  useEffect(() => {
    if (status === "signedIn") {
      router.replace(next);
    }
  }, [status, next, router]);
  return next;
}
