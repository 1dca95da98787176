// `terraform fmt -check -recursive` without the terraform binary: every .tf and .tfvars file
// under the given directories must be as HCL's own formatter (hclwrite.Format, which
// `terraform fmt` applies, here built to WebAssembly by @cdktn/hcl-tools) writes it.
// Terraform's own rewrites on top (unwrapping "${var.x}", unquoting legacy type names) need
// the binary: `make validate-terraform`.
//
// Usage: node terraform-fmt-check.mjs DIR...  (exit 1 and each file's first difference)
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";

import { format } from "@cdktn/hcl-tools";

const CONFIG_FILE = /\.(tf|tfvars)$/;

async function* configFiles(directory) {
  const entries = await readdir(directory, { withFileTypes: true });
  entries.sort((a, b) => a.name.localeCompare(b.name));
  for (const entry of entries) {
    const path = join(directory, entry.name);
    // Like terraform fmt: hidden directories (.terraform) are not configuration.
    if (entry.isDirectory() && !entry.name.startsWith(".")) {
      yield* configFiles(path);
    } else if (entry.isFile() && CONFIG_FILE.test(entry.name)) {
      yield path;
    }
  }
}

function firstDifference(found, expected) {
  const foundLines = found.split("\n");
  const expectedLines = expected.split("\n");
  for (let index = 0; ; index += 1) {
    if (foundLines[index] !== expectedLines[index]) {
      return [
        `  line ${index + 1}: ${JSON.stringify(foundLines[index] ?? "")}`,
        `  formatted: ${JSON.stringify(expectedLines[index] ?? "")}`,
      ].join("\n");
    }
  }
}

const directories = process.argv.slice(2);
if (directories.length === 0) {
  console.error("Usage: node terraform-fmt-check.mjs DIR...");
  process.exit(2);
}
let unformatted = 0;
for (const directory of directories) {
  for await (const path of configFiles(directory)) {
    const text = await readFile(path, "utf8");
    const formatted = await format(text);
    if (formatted !== text) {
      unformatted += 1;
      console.log(`${path} is not formatted (terraform fmt rewrites it):`);
      console.log(firstDifference(text, formatted));
    }
  }
}
process.exit(unformatted === 0 ? 0 : 1);
