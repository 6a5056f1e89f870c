import { findHarness } from "../lib/harnesses/registry";
import type { HarnessLaunch } from "../lib/harnesses/types";

/** The harness's descriptor; an unknown harness is an error the hub reports to the caller. */
export function requireHarness(id: string) {
  const h = findHarness(id);
  if (!h) throw new Error(`this broker has no harness called ${id}`);
  return h;
}

/** The argv for a harness, from its descriptor (the binary defaults to the harness's CLI name on PATH). */
export function harnessArgv(harness: string, spec: Partial<HarnessLaunch>, env: { shell: string }): string[] {
  const h = requireHarness(harness);
  return h.argv({
    bin: spec.bin ?? h.install?.bin ?? h.id,
    task: spec.task,
    command: spec.command,
    model: spec.model,
    resume: spec.resume ?? false,
    systemPrompt: spec.systemPrompt,
    shell: env.shell,
  });
}
