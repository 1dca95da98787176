// After `next build`: lay out .next/standalone as the Docker image does (front/Dockerfile), so
// `node .next/standalone/server.js` serves the app with its static files and public/.
import { cpSync, existsSync, rmSync } from "node:fs";
import { join } from "node:path";

const standalone = join(".next", "standalone");
if (!existsSync(join(standalone, "server.js"))) {
  console.error(`${standalone}/server.js is missing: run next build first`);
  process.exit(1);
}
for (const [source, target] of [
  [join(".next", "static"), join(standalone, ".next", "static")],
  ["public", join(standalone, "public")],
]) {
  rmSync(target, { recursive: true, force: true });
  if (existsSync(source)) {
    cpSync(source, target, { recursive: true });
  }
}
console.log(`Standalone server ready: node ${join(standalone, "server.js")}`);
