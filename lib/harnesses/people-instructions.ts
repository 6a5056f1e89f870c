/**
 * What every Claude Code, Gemini CLI and Codex agent is told about reaching people (issue 14):
 * the shim's say and ask commands, written into the harness's instructions file after the
 * template's own instructions.
 */
export const PEOPLE_INSTRUCTIONS = `## Reaching the person who runs you

You run under Scion, which people use to watch many agents at once; they are not watching your
terminal. To tell your owner something worth knowing (a result, progress on a long task, a
blocker), run \`scion-agent say "<text>"\`. To ask them a question only they can answer, run
\`scion-agent ask "<question>"\` and end your turn: their answer arrives as your next message.`;

/** The instructions file's content: the template's instructions (if any), then PEOPLE_INSTRUCTIONS. */
export function instructionsWithPeople(instructions: string | null | undefined): string {
  const own = instructions?.trim();
  return own ? `${own}\n\n${PEOPLE_INSTRUCTIONS}\n` : `${PEOPLE_INSTRUCTIONS}\n`;
}
