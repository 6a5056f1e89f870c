/**
 * The `scion` command line: commander for the arguments (help, unknown flags, suggestions), every
 * option value checked when it is read (cli/lib/args.ts). Usage mistakes print one line and exit
 * 2; whatever the hub or the network refuses prints the hub's message and exits 1.
 */
import { Command, CommanderError } from "commander";
import { registerAgents } from "./commands/agents";
import { registerAttach } from "./commands/attach";
import { registerAuth } from "./commands/auth";
import { registerDoctor } from "./commands/doctor";
import { registerResetAuth } from "./commands/reset-auth";
import { registerResources } from "./commands/resources";
import { registerServer } from "./commands/server";
import { registerTalk } from "./commands/talk";
import { hubUrl } from "./lib/args";
import { CliError } from "./lib/errors";
import { disableColour } from "./lib/output";
import { CLI_VERSION } from "./version";

export function buildProgram(): Command {
  const program = new Command("scion")
    .description("Scion Hub from the terminal: agents, their terminals and messages, projects, secrets, brokers")
    .version(CLI_VERSION, "-V, --version")
    .option("--hub <url>", "the hub to talk to (default: SCION_HUB, then the current hub of scion hubs)", hubUrl)
    .option("--no-color", "no colours (also NO_COLOR=1; colours are only ever used on a terminal)")
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      // Commander's own errors ("unknown option '--lmit' (Did you mean --limit?)") as one line.
      outputError: (message, write) =>
        write(
          `scion: ${message
            .replace(/^error: /, "")
            .replace(/\s*\n\s*/g, " ")
            .trim()}\n`,
        ),
    })
    .hook("preAction", (_cmd, action) => {
      if (action.optsWithGlobals<{ color?: boolean }>().color === false) disableColour();
    });
  program.addHelpText(
    "after",
    `
Examples:
  $ scion login                         # approve a code in the dashboard
  $ scion list --phase running
  $ scion create fixer --project web --task 'fix the flaky test' --start
  $ scion attach web/fixer              # Ctrl-] detaches
  $ scion message web/fixer 'also run the linter'
  $ scion stop web/fixer

Agents are named project/slug, by slug when it is unique, or by id. Set SCION_HUB or use --hub
to pick a hub; SCION_TOKEN overrides the stored token (CI).`,
  );
  registerAuth(program);
  registerAgents(program);
  registerAttach(program);
  registerTalk(program);
  registerResetAuth(program);
  registerResources(program);
  registerDoctor(program);
  registerServer(program);
  for (const cmd of allCommands(program)) cmd.allowExcessArguments(false);
  return program;
}

function* allCommands(cmd: Command): Generator<Command> {
  yield cmd;
  for (const sub of cmd.commands) yield* allCommands(sub);
}

/** Runs the command line; resolves with the exit code. */
export async function runCli(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: "user" });
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end here with 0; a missing command shows the help and is a usage mistake.
      if (err.code === "commander.helpDisplayed" || err.code === "commander.version") return 0;
      return 2;
    }
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`scion: ${message.replace(/\s*\n\s*/g, " ")}\n`);
    return err instanceof CliError ? err.exitCode : 1;
  }
}
