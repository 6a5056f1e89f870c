/**
 * The hub's built-in harness configs and templates (hub scope, read-only, cloneable): one of each
 * per coding assistant, seeded at every boot (lib/templates/seed-built-ins.ts).
 */
export interface BuiltInHarnessConfig {
  slug: string;
  name: string;
  description: string;
  harness: string;
}

export interface BuiltInTemplate {
  slug: string;
  name: string;
  description: string;
  /** The built-in harness config of that slug (else just the harness, if someone took the slug first). */
  harnessConfig: string;
  harness: string;
  instructions: string;
}

export const BUILT_IN_HARNESS_CONFIGS: readonly BuiltInHarnessConfig[] = [
  {
    slug: "claude-code",
    name: "Claude Code",
    description: "Claude Code with the harness's default model and any Anthropic credential from the secret store.",
    harness: "claude",
  },
  {
    slug: "gemini-cli",
    name: "Gemini CLI",
    description: "Gemini CLI with the harness's default model and a Gemini or Google API key from the secret store.",
    harness: "gemini",
  },
  {
    slug: "codex",
    name: "Codex",
    description: "OpenAI Codex CLI with the harness's default model and an OpenAI or Codex key from the secret store.",
    harness: "codex",
  },
];

const INSTRUCTIONS = `# Working as a Scion agent

You were started by a Scion Hub. You have a workspace of your own (a checkout of the project's
repository, on a branch of your own when the project has a remote) and people follow your
progress on the hub's dashboard. They may send you messages while you work.

## How to work
- Read the task to the end before you change anything. If it is ambiguous in a way that matters,
  ask one clear question and wait for the answer instead of guessing.
- Look at how the code around your change is written and follow it: naming, structure, tests.
- Make the smallest change that does the job well. Leave unrelated code alone.
- Run the project's tests, linters and type checks that cover what you touched, and fix what
  they report before you call the work done.

## Git
- Commit your work on your own branch in small steps, each with a message that says why.
- Never push to, rebase or rewrite the default branch, and never force-push a shared branch.
- Do not commit credentials, tokens or generated artefacts.

## When you finish
Say what you changed, how you checked it (the commands you ran and their outcome), and what is
left open or uncertain, in a few short lines.
`;

export const BUILT_IN_TEMPLATES: readonly BuiltInTemplate[] = [
  {
    slug: "claude-code",
    name: "Claude Code",
    description: "A coding agent on Claude Code, with the hub's standard working instructions.",
    harnessConfig: "claude-code",
    harness: "claude",
    instructions: INSTRUCTIONS,
  },
  {
    slug: "gemini-cli",
    name: "Gemini CLI",
    description: "A coding agent on Gemini CLI, with the hub's standard working instructions.",
    harnessConfig: "gemini-cli",
    harness: "gemini",
    instructions: INSTRUCTIONS,
  },
  {
    slug: "codex",
    name: "Codex",
    description: "A coding agent on OpenAI Codex, with the hub's standard working instructions.",
    harnessConfig: "codex",
    harness: "codex",
    instructions: INSTRUCTIONS,
  },
];
