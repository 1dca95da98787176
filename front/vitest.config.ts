import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: {
    alias: {
      "@": fileURLToPath(new URL("./src", import.meta.url)),
      "@messages": fileURLToPath(new URL("./messages", import.meta.url)),
    },
  },
  test: {
    environment: "node",
    include: ["src/**/*.test.ts"],
    // A visitor far from the shop's zones (and with daylight saving time of its own): the date
    // helpers must never lean on the machine's clock.
    env: { TZ: "Pacific/Chatham" },
  },
});
