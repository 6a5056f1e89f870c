/** `scion projects|secrets|brokers|tokens|templates …` and `scion broker register`. */
import type { Command } from "commander";
import type { ApiTokenJson } from "../../lib/tokens/schemas";
import type { SecretJson } from "../../lib/secrets/schemas";
import { isUuid, resolveProject, resolveBroker, type Broker, type Project } from "../lib/agents";
import { intIn, oneOf, text } from "../lib/args";
import { isMissingRoute, type HubClient } from "../lib/client";
import { hubContext } from "../lib/context";
import { CliError, usageError } from "../lib/errors";
import { examples } from "../lib/help";
import { c, info, out, printJson, relativeTime, table, tick } from "../lib/output";

async function readValue(flag: string | undefined, what: string): Promise<string> {
  if (flag !== undefined) return flag;
  if (process.stdin.isTTY) throw usageError(`give ${what} with --value or on standard input`);
  let data = "";
  for await (const chunk of process.stdin) data += chunk;
  return data.replace(/\n$/, "");
}

export function registerResources(program: Command): void {
  // Projects.
  const projects = program.command("projects").description("Projects: list, create, delete");
  examples(
    projects
      .command("list", { isDefault: true })
      .alias("ls")
      .description("Every project")
      .option("--json", "print JSON")
      .action(async (opts: { json?: boolean }, cmd: Command) => {
        const { client } = hubContext(cmd);
        const items = await client.all<Project>("/api/v1/projects");
        if (opts.json) return printJson(items);
        if (!items.length) return out(c.dim("No projects."));
        table(items, [
          { header: "SLUG", value: (p) => p.slug, paint: (s) => c.bold(s) },
          { header: "NAME", value: (p) => p.name },
          { header: "CREATED", value: (p) => relativeTime(p.createdAt) },
          { header: "GIT REMOTE", value: (p) => p.gitRemote ?? "—", flex: true },
        ]);
      }),
    ["scion projects", "scion projects list --json"],
  );
  examples(
    projects
      .command("create")
      .description("Create a project")
      .argument("<name>", "its name")
      .option("--slug <slug>", "its slug (derived from the name otherwise)", text(63))
      .option("--git-remote <url>", "the repository agents clone", text(2000))
      .option("--json", "print JSON")
      .action(async (name: string, opts: { slug?: string; gitRemote?: string; json?: boolean }, cmd: Command) => {
        const { client } = hubContext(cmd);
        const { body } = await client.post<Project>("/api/v1/projects", {
          name,
          ...(opts.slug && { slug: opts.slug }),
          ...(opts.gitRemote && { gitRemote: opts.gitRemote }),
        });
        if (opts.json) return printJson(body);
        out(`${tick()} Created project ${body.slug}`);
      }),
    ["scion projects create web --git-remote https://github.com/acme/web.git"],
  );
  examples(
    projects
      .command("delete")
      .description("Delete an empty project")
      .argument("<project>", "slug or id")
      .action(async (ref: string, _opts: unknown, cmd: Command) => {
        const { client } = hubContext(cmd);
        const project = await resolveProject(client, ref);
        await client.delete(`/api/v1/projects/${project.id}`);
        out(`${tick()} Deleted project ${project.slug}`);
      }),
    ["scion projects delete web"],
  );

  // Secrets.
  const secrets = program.command("secrets").description("Secrets: list, set, delete (values are never shown)");
  const scopeOpts = (cmd: Command) =>
    cmd
      .option("--scope <scope>", "user, project or hub", oneOf(["user", "project", "hub"]), "user")
      .option("-p, --project <project>", "with --scope project: the project (slug or id)");
  const scopeQuery = async (client: HubClient, opts: { scope: string; project?: string }) => {
    if (opts.scope === "project" && !opts.project) throw usageError("--scope project needs --project");
    if (opts.scope !== "project" && opts.project) throw usageError("--project goes with --scope project");
    const project = opts.project ? await resolveProject(client, opts.project) : undefined;
    return { scope: opts.scope, projectId: project?.id };
  };
  examples(
    scopeOpts(secrets.command("list", { isDefault: true }).alias("ls").description("Secret names of one scope"))
      .option("--json", "print JSON")
      .action(async (opts: { scope: string; project?: string; json?: boolean }, cmd: Command) => {
        const { client } = hubContext(cmd);
        const page = await client.get<{ items: SecretJson[] }>("/api/v1/secrets", await scopeQuery(client, opts));
        if (opts.json) return printJson(page.items);
        if (!page.items.length) return out(c.dim(`No ${opts.scope} secrets.`));
        table(page.items, [
          { header: "NAME", value: (s) => s.name, paint: (s) => c.bold(s) },
          { header: "TARGET", value: (s) => (s.target === "file" ? `file ${s.path}` : "env") },
          { header: "ID", value: (s) => s.id, flex: true, paint: (s) => c.dim(s) },
        ]);
      }),
    ["scion secrets", "scion secrets list --scope project --project web"],
  );
  examples(
    scopeOpts(secrets.command("set").description("Create or replace a secret (value from --value or stdin)"))
      .argument("<name>", "an environment variable name, or any name for a file secret")
      .option("--value <value>", "the value (prefer stdin: it stays out of your shell history)")
      .option("--file <path>", "write it as this file under the agent's HOME instead of an env variable", text(255))
      .action(
        async (
          name: string,
          opts: { scope: string; project?: string; value?: string; file?: string },
          cmd: Command,
        ) => {
          const { client } = hubContext(cmd);
          const scope = await scopeQuery(client, opts);
          const value = await readValue(opts.value, "the value");
          const { status } = await client.post("/api/v1/secrets", {
            name,
            value,
            ...scope,
            ...(opts.file ? { target: "file", path: opts.file } : { target: "env" }),
          });
          out(`${tick()} ${status === 201 ? "Created" : "Replaced"} ${opts.scope} secret ${name}`);
        },
      ),
    [
      'printf %s "$ANTHROPIC_API_KEY" | scion secrets set ANTHROPIC_API_KEY',
      "scion secrets set GH_TOKEN --scope project --project web < token.txt",
      "scion secrets set claude-creds --file .claude/.credentials.json < creds.json",
    ],
  );
  examples(
    scopeOpts(secrets.command("delete").alias("rm").description("Delete a secret"))
      .argument("<secret>", "its name (in the scope) or id")
      .action(async (ref: string, opts: { scope: string; project?: string }, cmd: Command) => {
        const { client } = hubContext(cmd);
        let id = ref;
        if (!isUuid(ref)) {
          const page = await client.get<{ items: SecretJson[] }>("/api/v1/secrets", await scopeQuery(client, opts));
          const found = page.items.find((s) => s.name === ref);
          if (!found) throw new CliError(`no ${opts.scope} secret named ${ref}`);
          id = found.id;
        }
        await client.delete(`/api/v1/secrets/${id}`);
        out(`${tick()} Deleted secret ${ref}`);
      }),
    ["scion secrets delete GH_TOKEN --scope project --project web"],
  );

  // Runtime brokers.
  const brokers = program.command("brokers").description("Runtime brokers: list, delete");
  examples(
    brokers
      .command("list", { isDefault: true })
      .alias("ls")
      .description("Every runtime broker and its state")
      .option("--json", "print JSON")
      .action(async (opts: { json?: boolean }, cmd: Command) => {
        const { client } = hubContext(cmd);
        const items = await client.all<Broker>("/api/v1/runtime-brokers");
        if (opts.json) return printJson(items);
        if (!items.length) return out(c.dim("No brokers. Register one with scion broker register <name>."));
        table(items, [
          { header: "NAME", value: (b) => b.name, paint: (s) => c.bold(s) },
          {
            header: "STATUS",
            value: (b) => b.status,
            paint: (s) => (s === "online" ? c.green(s) : s === "offline" ? c.red(s) : c.yellow(s)),
          },
          { header: "HOST", value: (b) => b.hostname ?? "—" },
          { header: "AGENTS", value: (b) => `${b.runningAgents}/${b.agentCount}`, align: "right" },
          { header: "HEARTBEAT", value: (b) => relativeTime(b.lastHeartbeat), flex: true },
        ]);
      }),
    ["scion brokers", "scion brokers --json"],
  );
  examples(
    brokers
      .command("delete")
      .alias("rm")
      .description("Remove a broker without agents (admins)")
      .argument("<broker>", "name or id")
      .action(async (ref: string, _opts: unknown, cmd: Command) => {
        const { client } = hubContext(cmd);
        const broker = await resolveBroker(client, ref);
        await client.delete(`/api/v1/runtime-brokers/${broker.id}`);
        out(`${tick()} Removed broker ${broker.name}`);
      }),
    ["scion brokers delete old-laptop"],
  );
  const broker = program.command("broker").description("One runtime broker: register");
  examples(
    broker
      .command("register")
      .description("Register a broker (admins) and print the command that joins it (one hour, one use)")
      .argument("<name>", "the broker's name", text(63))
      .option("--json", "print JSON (includes the join token)")
      .action(async (name: string, opts: { json?: boolean }, cmd: Command) => {
        const { hub, client } = hubContext(cmd);
        const { body } = await client.post<{ broker: Broker; joinToken: string; expiresAt: string }>(
          "/api/v1/runtime-brokers",
          { name },
        );
        if (opts.json) return printJson(body);
        out(`${tick()} Registered broker ${body.broker.name}. On the machine that runs agents, within the hour:`);
        out();
        out(
          `  SCION_HUB_URLS=${hub} SCION_JOIN_TOKEN=${body.joinToken} SCION_BROKER_NAME=${shellQuote(body.broker.name)} npm run broker`,
        );
        out();
        info(c.dim(`The join token works once, until ${body.expiresAt}.`, process.stderr));
      }),
    ["scion broker register build-box-1"],
  );

  // API tokens.
  const tokens = program.command("tokens").description("Your API tokens: list, create, delete");
  examples(
    tokens
      .command("list", { isDefault: true })
      .alias("ls")
      .description("Your working API tokens (never their values)")
      .option("--json", "print JSON")
      .action(async (opts: { json?: boolean }, cmd: Command) => {
        const { client } = hubContext(cmd);
        const { items } = await client.get<{ items: ApiTokenJson[] }>("/api/v1/tokens");
        if (opts.json) return printJson(items);
        if (!items.length) return out(c.dim("No tokens."));
        table(items, [
          { header: "NAME", value: (t) => t.name, paint: (s) => c.bold(s) },
          { header: "HINT", value: (t) => t.hint },
          { header: "LAST USED", value: (t) => relativeTime(t.lastUsedAt) },
          { header: "EXPIRES", value: (t) => (t.expiresAt ? t.expiresAt.slice(0, 10) : "never") },
          { header: "ID", value: (t) => t.id, flex: true, paint: (s) => c.dim(s) },
        ]);
      }),
    ["scion tokens"],
  );
  examples(
    tokens
      .command("create")
      .description("Mint an API token (printed once)")
      .argument("<name>", "what it is for", text(100))
      .option("--days <n>", "it expires after this many days (1-365)", intIn(1, 365), 90)
      .option("--json", "print JSON")
      .action(async (name: string, opts: { days: number; json?: boolean }, cmd: Command) => {
        const { client } = hubContext(cmd);
        const { body } = await client.post<{ id: string; token: string; expiresAt: string }>("/api/v1/tokens", {
          name,
          expiresInDays: opts.days,
        });
        if (opts.json) return printJson(body);
        out(body.token);
        info(
          c.dim(
            `Token ${name} (${body.id}), expires ${body.expiresAt.slice(0, 10)}. It is not shown again.`,
            process.stderr,
          ),
        );
      }),
    ["scion tokens create ci --days 30"],
  );
  examples(
    tokens
      .command("delete")
      .alias("rm")
      .description("Revoke one of your tokens")
      .argument("<id>", "the token's id (scion tokens)")
      .action(async (id: string, _opts: unknown, cmd: Command) => {
        if (!isUuid(id)) throw usageError(`token id ${JSON.stringify(id)} is not an id (see scion tokens)`);
        const { client } = hubContext(cmd);
        await client.delete(`/api/v1/tokens/${id}`);
        out(`${tick()} Revoked token ${id}`);
      }),
    ["scion tokens delete 3f2b8c1e-…"],
  );

  // Templates: the API arrives with issue 12; until a hub has it, the command says so.
  const templates = program
    .command("templates")
    .description("Agent templates: list, delete (hubs with the templates API)");
  const noTemplates = (err: unknown) => {
    if (isMissingRoute(err)) throw new CliError("this hub has no templates API yet (GET /api/v1/templates)");
    throw err;
  };
  examples(
    templates
      .command("list", { isDefault: true })
      .alias("ls")
      .description("Templates you can use")
      .option("--json", "print JSON")
      .action(async (opts: { json?: boolean }, cmd: Command) => {
        const { client } = hubContext(cmd);
        const items = await client
          .all<{ id: string; name: string; slug?: string; harness?: string }>("/api/v1/templates")
          .catch(noTemplates);
        if (opts.json) return printJson(items);
        if (!items.length) return out(c.dim("No templates."));
        table(items, [
          { header: "NAME", value: (t) => t.slug ?? t.name, paint: (s) => c.bold(s) },
          { header: "HARNESS", value: (t) => t.harness ?? "—" },
          { header: "ID", value: (t) => t.id, flex: true, paint: (s) => c.dim(s) },
        ]);
      }),
    ["scion templates", "scion create fixer -p web --template <id>"],
  );
  templates
    .command("delete")
    .alias("rm")
    .description("Delete a template")
    .argument("<id>", "the template's id")
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      if (!isUuid(id)) throw usageError(`template id ${JSON.stringify(id)} is not an id`);
      const { client } = hubContext(cmd);
      await client.delete(`/api/v1/templates/${id}`).catch(noTemplates);
      out(`${tick()} Deleted template ${id}`);
    });
}

function shellQuote(s: string): string {
  return /^[A-Za-z0-9_.-]+$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'`;
}
