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

export function buildProgram(argv: string[] = []): Command {
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
  // Only the group the command line names is built (commander needs no more to run it), which
  // keeps start-up short; help, a typo or no command at all build every group.
  const named = firstWord(argv);
  const groups = Object.values(GROUPS);
  const wanted = named ? groups.filter((g) => g.names.includes(named)) : [];
  for (const group of wanted.length ? wanted : groups) group.register(program);
  for (const cmd of allCommands(program)) cmd.allowExcessArguments(false);
  return program;
}

/** The top-level commands each register function adds (names and aliases). */
const GROUPS = {
  auth: { names: ["login", "logout", "hubs", "whoami"], register: registerAuth },
  agents: { names: ["list", "ls", "create", "start", "restart", "stop", "delete", "rm"], register: registerAgents },
  attach: { names: ["attach"], register: registerAttach },
  talk: { names: ["message", "msg", "messages", "look", "logs"], register: registerTalk },
  resetAuth: { names: ["reset-auth"], register: registerResetAuth },
  resources: {
    names: ["projects", "secrets", "brokers", "broker", "tokens", "templates"],
    register: registerResources,
  },
  doctor: { names: ["doctor"], register: registerDoctor },
  server: { names: ["server"], register: registerServer },
};

/** The first word that is not a global option (or its value): the command's name. */
function firstWord(argv: string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--hub") i++;
    else if (!arg.startsWith("-")) return arg;
  }
  return undefined;
}

function* allCommands(cmd: Command): Generator<Command> {
  yield cmd;
  for (const sub of cmd.commands) yield* allCommands(sub);
}

/** Runs the command line; resolves with the exit code. */
export async function runCli(argv: string[]): Promise<number> {
  const program = buildProgram(argv);
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
