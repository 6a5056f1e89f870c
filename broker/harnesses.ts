/**
 * A harness is what runs inside an agent under the shim: a login shell, the user's command, or
 * a coding assistant's CLI. Each one only says which argv to run; the shim, tmux and the
 * runtime are the same for all of them, so adding one is adding an entry here.
 */
export interface HarnessSpec {
  /** The user's command (the generic harness requires one). */
  command?: string | null;
  /** The agent's task; assistants receive it as their first prompt. */
  task?: string | null;
}

export interface Harness {
  readonly id: string;
  argv(spec: HarnessSpec, env: { shell: string }): string[];
}

const assistant = (id: string, binary: string): Harness => ({
  id,
  argv: (spec) => [binary, ...(spec.task ? [spec.task] : [])],
});

export const HARNESS_REGISTRY: Record<string, Harness> = {
  shell: { id: "shell", argv: (_spec, env) => [env.shell, "-l"] },
  generic: {
    id: "generic",
    argv: (spec) => {
      if (!spec.command) throw new Error("the generic harness needs a command");
      return ["/bin/sh", "-c", spec.command];
    },
  },
  claude: assistant("claude", "claude"),
  gemini: assistant("gemini", "gemini"),
  codex: assistant("codex", "codex"),
};

/** The argv for a harness; an unknown harness is an error the hub reports to the caller. */
export function harnessArgv(harness: string, spec: HarnessSpec, env: { shell: string }): string[] {
  const entry = Object.hasOwn(HARNESS_REGISTRY, harness) ? HARNESS_REGISTRY[harness] : undefined;
  if (!entry) throw new Error(`this broker has no harness called ${harness}`);
  return entry.argv(spec, env);
}
