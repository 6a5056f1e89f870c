/**
 * Prints the harness CLIs the agent image bakes in, one `<package>@<version> <bin>` a line, from
 * the descriptors (lib/harnesses), so the image and the broker always agree on the versions.
 *   node --import tsx docker/agent-image/harness-packages.ts
 */
import { HARNESS_DESCRIPTORS } from "../../lib/harnesses/registry";

for (const h of HARNESS_DESCRIPTORS)
  if (h.install) process.stdout.write(`${h.install.npm}@${h.install.version} ${h.install.bin}\n`);
