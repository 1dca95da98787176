"use client";

import { useQueryClient } from "@tanstack/react-query";

import { CrashScreen } from "@/components/layout/CrashScreen";

/** A screen that threw while rendering: the shell stays, the screen says so and offers a retry. */
export default function ScreenError({ retry }: { error: unknown; retry: () => void }) {
  const queryClient = useQueryClient();
  function tryAgain() {
    // The answer that broke the screen is still cached and would break it again: the screen's
    // queries (inactive since it failed) start afresh, the signed-in user's stays.
    void queryClient.resetQueries({ type: "inactive" });
    retry();
  }
  return <CrashScreen onRetry={tryAgain} />;
}
