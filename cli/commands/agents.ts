/** `scion list`, `create`, `start`, `stop`, `restart`, `delete`. */
import type { Command } from "commander";
import { ACTIVITIES } from "../../lib/agents/activities";
import { agentStatus } from "../../components/agents/agent-status";
import { agentRef, projectSlugs, resolveAgent, resolveBroker, resolveProject, type Agent } from "../lib/agents";
import { intIn, keyValue, oneOf, secretNames, text } from "../lib/args";
import type { HubClient, Query } from "../lib/client";
import { hubContext } from "../lib/context";
import { CliError, usageError } from "../lib/errors";
import { examples } from "../lib/help";
import { c, confirm, cross, out, printJson, relativeTime, spinner, table, tick, toneColour } from "../lib/output";
import { MOVING, PHASES } from "../lib/phases";
import { watchEvents } from "../lib/events";

interface ListOptions {
  project?: string;
  broker?: string;
  phase?: string;
  activity?: string;
  search?: string;
  sort: string;
  order?: string;
  limit: number;
  all?: boolean;
  json?: boolean;
  watch?: boolean;
}

/** The query of GET /api/v1/agents for these options (project and broker named by slug/name or id). */
async function listQuery(client: HubClient, opts: ListOptions): Promise<Query> {
  const [project, broker] = await Promise.all([
    opts.project ? resolveProject(client, opts.project) : undefined,
    opts.broker ? resolveBroker(client, opts.broker) : undefined,
  ]);
  return {
    projectId: project?.id,
    brokerId: broker?.id,
    phase: opts.phase,
    activity: opts.activity,
    q: opts.search,
    sort: opts.sort,
    order: opts.order,
  };
}

async function fetchAgents(client: HubClient, query: Query, opts: ListOptions): Promise<Agent[]> {
  if (opts.all) return client.all<Agent>("/api/v1/agents", query);
  return (await client.get<{ items: Agent[] }>("/api/v1/agents", { ...query, limit: opts.limit })).items;
}

function printAgents(agents: Agent[], projects: Map<string, string>, brokers: Map<string, string>): void {
  if (agents.length === 0) return out(c.dim("No agents."));
  table(agents, [
    { header: "AGENT", value: (a) => agentRef(a, projects), paint: (s) => c.bold(s) },
    {
      header: "STATUS",
      value: (a) => agentStatus(a).label,
      paint: (s, a) => toneColour(agentStatus(a).tone)(s),
    },
    { header: "HARNESS", value: (a) => a.harness },
    { header: "BROKER", value: (a) => (a.brokerId ? (brokers.get(a.brokerId) ?? a.brokerId.slice(0, 8)) : "—") },
    { header: "UPDATED", value: (a) => relativeTime(a.updatedAt) },
    { header: "TASK", value: (a) => a.task ?? "", flex: true, paint: (s) => c.dim(s) },
  ]);
}

async function brokerNames(client: HubClient): Promise<Map<string, string>> {
  const brokers = await client.all<{ id: string; name: string }>("/api/v1/runtime-brokers").catch(() => []);
  return new Map(brokers.map((b) => [b.id, b.name]));
}

/** Polls the agent until it leaves the moving phases (or `want` is reached), showing a spinner. */
export async function waitForPhase(
  client: HubClient,
  agent: Agent,
  ref: string,
  want: Agent["phase"],
  timeoutMs = 300_000,
): Promise<Agent> {
  const spin = spinner(`${ref}: ${agentStatus(agent).label}`);
  const started = Date.now();
  // A restart may show its stop before its start: a stopped agent on its way to running gets a few seconds.
  const moving = (a: Agent) =>
    MOVING.includes(a.phase) || (want === "running" && a.phase === "stopped" && Date.now() - started < 10_000);
  let current = agent;
  try {
    while (current.phase !== want && moving(current) && Date.now() - started < timeoutMs) {
      await new Promise((r) => setTimeout(r, 500));
      current = await client.get<Agent>(`/api/v1/agents/${agent.id}`);
      spin.update(`${ref}: ${agentStatus(current).label}${current.detail ? c.dim(` — ${current.detail}`) : ""}`);
    }
  } finally {
    spin.stop();
  }
  return current;
}

function endLine(ref: string, agent: Agent, want: Agent["phase"]): void {
  const label = agentStatus(agent).label;
  const said = `${ref} is ${agent.phase}${label.toLowerCase() !== agent.phase ? ` (${label})` : ""}`;
  if (agent.phase === want) out(`${tick()} ${said}`);
  else {
    out(`${cross()} ${said}${agent.detail ? `: ${agent.detail}` : ""}`);
    process.exitCode = 1;
  }
}

const TARGET: Record<"start" | "stop" | "restart", Agent["phase"]> = {
  start: "running",
  stop: "stopped",
  restart: "running",
};

async function lifecycle(
  cmd: Command,
  op: "start" | "stop" | "restart",
  ref: string,
  opts: { wait: boolean; json?: boolean; fresh?: boolean },
) {
  const { client } = hubContext(cmd);
  const agent = await resolveAgent(client, ref);
  const projects = await projectSlugs(client);
  const name = agentRef(agent, projects);
  const body = op === "restart" && opts.fresh ? { fresh: true } : {};
  const { body: answer } = await client.post<{ agent: Agent }>(`/api/v1/agents/${agent.id}/${op}`, body);
  const settled = opts.wait ? await waitForPhase(client, answer.agent, name, TARGET[op]) : answer.agent;
  if (opts.json) printJson(settled);
  else endLine(name, settled, TARGET[op]);
}

export function registerAgents(program: Command): void {
  const list = program
    .command("list")
    .alias("ls")
    .description("The agents you can see, as the dashboard shows them")
    .option("-p, --project <project>", "only this project (slug or id)")
    .option("-b, --broker <broker>", "only this runtime broker (name or id)")
    .option("--phase <phase>", `only this phase: ${PHASES.join(", ")}`, oneOf(PHASES))
    .option("--activity <activity>", `only this activity: ${ACTIVITIES.join(", ")}`, oneOf(ACTIVITIES))
    .option("-s, --search <text>", "name or task contains", text(200))
    .option(
      "--sort <key>",
      "name, created, updated or phase",
      oneOf(["name", "created", "updated", "phase"]),
      "created",
    )
    .option("--order <order>", "asc or desc (default: desc; asc for name)", oneOf(["asc", "desc"]))
    .option("-n, --limit <n>", "at most this many (1-500)", intIn(1, 500), 50)
    .option("-a, --all", "every agent, through all pages")
    .option("--json", "print the agents as JSON (the API's fields)")
    .option("-w, --watch", "keep the table live from the hub's event stream (Ctrl-C ends)")
    .action(async (opts: ListOptions, cmd: Command) => {
      const { client } = hubContext(cmd);
      if (opts.sort === "name" && !opts.order) opts.order = "asc";
      const query = await listQuery(client, opts);
      const render = async () => {
        const [agents, projects, brokers] = await Promise.all([
          fetchAgents(client, query, opts),
          opts.json ? new Map<string, string>() : projectSlugs(client),
          opts.json ? new Map<string, string>() : brokerNames(client),
        ]);
        if (opts.json) return printJson(agents);
        printAgents(agents, projects, brokers);
      };
      if (!opts.watch) return render();
      if (opts.json) throw usageError("--watch and --json do not go together");
      const redraw = async () => {
        if (process.stdout.isTTY) process.stdout.write("\x1b[H\x1b[2J");
        await render();
        out(c.dim(`\nWatching ${client.hub} — Ctrl-C to stop`));
      };
      await redraw();
      await watchEvents(client, ["agent.>"], redraw);
    });
  examples(list, [
    "scion list",
    "scion ls --project web --phase running",
    "scion list --sort name --limit 10",
    "scion list --all --json | jq '.[].slug'",
    "scion list --watch",
  ]);

  examples(
    program
      .command("create")
      .description("Create an agent in a project (and start it with --start)")
      .argument("<name>", "the agent's name (its slug is derived from it)")
      .requiredOption("-p, --project <project>", "the project (slug or id)")
      .option("--harness <harness>", "shell, generic, claude, gemini, codex … (default: shell)", text(40))
      .option("--command <command>", "what the generic harness runs", text(4096))
      .option("--task <task>", "the task the harness starts with", text(65_536))
      .option("--model <model>", "the model the harness uses", text(200))
      .option("--template <id>", "create from this template (id)", text(100))
      .option("-e, --env <NAME=VALUE>", "an environment variable (repeatable)", keyValue)
      .option(
        "-s, --secret <NAME>",
        "a secret from the store the agent needs; the start is refused without it (repeatable)",
        secretNames,
      )
      .option("-b, --broker <broker>", "run on this broker (name or id)")
      .option("--start", "start it right away and wait until it runs")
      .option("--json", "print the agent as JSON")
      .action(
        async (
          name: string,
          opts: {
            project: string;
            harness?: string;
            command?: string;
            task?: string;
            model?: string;
            template?: string;
            env?: Record<string, string>;
            secret?: string[];
            broker?: string;
            start?: boolean;
            json?: boolean;
          },
          cmd: Command,
        ) => {
          const { client } = hubContext(cmd);
          const [project, broker] = await Promise.all([
            resolveProject(client, opts.project),
            opts.broker ? resolveBroker(client, opts.broker) : undefined,
          ]);
          const { body: agent } = await client.post<Agent>("/api/v1/agents", {
            projectId: project.id,
            name,
            ...(broker && { brokerId: broker.id }),
            ...(opts.harness && { harness: opts.harness }),
            ...(opts.command && { command: opts.command }),
            ...(opts.task && { task: opts.task }),
            ...(opts.model && { model: opts.model }),
            ...(opts.template && { templateId: opts.template }),
            ...(opts.env && { env: opts.env }),
            ...(opts.secret && { secrets: opts.secret }),
            start: Boolean(opts.start),
          });
          const ref = `${project.slug}/${agent.slug}`;
          const settled = opts.start ? await waitForPhase(client, agent, ref, "running") : agent;
          if (opts.json) return printJson(settled);
          if (opts.start) endLine(ref, settled, "running");
          else
            out(
              `${tick()} Created ${ref} (${agentStatus(settled).label.toLowerCase()}); start it with scion start ${ref}`,
            );
        },
      ),
    [
      "scion create fixer --project web --task 'fix the flaky test' --start",
      "scion create build --project web --harness generic --command 'make test' -e CI=1",
      "scion create helper -p web --harness claude --model claude-sonnet-4 --start",
      "scion create deployer -p web --task 'ship the release' --secret DEPLOY_KEY --start",
    ],
  );

  for (const op of ["start", "restart"] as const) {
    const cmd = program
      .command(op)
      .description(
        op === "start" ? "Start an agent and wait until it runs" : "Restart an agent (resumes its conversation)",
      )
      .argument("<agent>", "project/slug, slug or id")
      .option("--no-wait", "return once the hub accepted it")
      .option("--json", "print the agent as JSON");
    if (op === "restart") cmd.option("--fresh", "start a new conversation instead of resuming");
    examples(
      cmd.action((ref: string, opts: { wait: boolean; json?: boolean; fresh?: boolean }, c2: Command) =>
        lifecycle(c2, op, ref, opts),
      ),
      [`scion ${op} web/fixer`, `scion ${op} fixer --no-wait`],
    );
  }

  examples(
    program
      .command("stop")
      .description("Stop an agent, or every running agent with --all")
      .argument("[agent]", "project/slug, slug or id")
      .option("--all", "stop every running agent you may stop")
      .option("-p, --project <project>", "with --all: only this project's")
      .option("-y, --yes", "with --all: do not ask")
      .option("--no-wait", "return once the hub accepted it")
      .option("--json", "print JSON")
      .action(
        async (
          ref: string | undefined,
          opts: { all?: boolean; project?: string; yes?: boolean; wait: boolean; json?: boolean },
          cmd: Command,
        ) => {
          if (opts.all && ref) throw usageError("give an agent or --all, not both");
          if (!opts.all && !ref) throw usageError("missing the agent to stop (or --all)");
          if (!opts.all && opts.project) throw usageError("--project goes with --all");
          if (!opts.all) return lifecycle(cmd, "stop", ref!, opts);
          return stopAll(cmd, opts);
        },
      ),
    ["scion stop web/fixer", "scion stop --all --project web", "scion stop --all --yes"],
  );

  examples(
    program
      .command("delete")
      .alias("rm")
      .description("Delete an agent (stops it first when it runs)")
      .argument("<agent>", "project/slug, slug or id")
      .action(async (ref: string, _opts: unknown, cmd: Command) => {
        const { client } = hubContext(cmd);
        const agent = await resolveAgent(client, ref);
        const name = agentRef(agent, await projectSlugs(client));
        await client.delete(`/api/v1/agents/${agent.id}`);
        out(`${tick()} Deleted ${name}`);
      }),
    ["scion delete web/fixer"],
  );
}

async function stopAll(cmd: Command, opts: { project?: string; yes?: boolean; wait: boolean; json?: boolean }) {
  const { client } = hubContext(cmd);
  const project = opts.project ? await resolveProject(client, opts.project) : undefined;
  const [agents, projects] = await Promise.all([
    client.all<Agent>("/api/v1/agents", { projectId: project?.id, sort: "name", order: "asc" }),
    projectSlugs(client),
  ]);
  const running = agents.filter((a) => a.phase !== "stopped" && a.phase !== "created" && a.phase !== "error");
  if (running.length === 0) {
    if (opts.json) return printJson({ total: 0, stopped: 0, failed: 0, results: [] });
    return out(`Nothing to stop${project ? ` in ${project.slug}` : ""}.`);
  }
  if (!opts.yes) {
    if (!process.stdin.isTTY)
      throw usageError(
        `stopping ${running.length} agent${running.length === 1 ? "" : "s"} needs confirmation: run it on a terminal or add --yes`,
      );
    const names = running.map((a) => agentRef(a, projects));
    out(`${names.slice(0, 10).join("\n")}${names.length > 10 ? `\n… and ${names.length - 10} more` : ""}`);
    const these = running.length === 1 ? "this agent" : `these ${running.length} agents`;
    if (!(await confirm(`Stop ${these}${project ? ` of ${project.slug}` : ""}?`)))
      throw new CliError("nothing stopped");
  }
  const results: Array<{ agentId: string; name: string; ok: boolean; phase?: string; error?: string }> = [];
  let next = 0;
  const spin = spinner(`Stopping 0/${running.length}`);
  const worker = async () => {
    while (next < running.length) {
      const agent = running[next++]!;
      const name = agentRef(agent, projects);
      try {
        const { body } = await client.post<{ agent: Agent }>(`/api/v1/agents/${agent.id}/stop`);
        results.push({ agentId: agent.id, name, ok: true, phase: body.agent.phase });
      } catch (err) {
        results.push({ agentId: agent.id, name, ok: false, error: (err as Error).message });
      }
      spin.update(`Stopping ${results.length}/${running.length}`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(4, running.length) }, worker));
  spin.stop();
  const failed = results.filter((r) => !r.ok).length;
  if (failed) process.exitCode = 1;
  if (opts.json) return printJson({ total: running.length, stopped: running.length - failed, failed, results });
  for (const r of results.sort((a, b) => a.name.localeCompare(b.name)))
    out(`${r.ok ? tick() : cross()} ${r.name}${r.ok ? "" : `: ${r.error}`}`);
  out(`Stopped ${running.length - failed} of ${running.length}${failed ? `, ${failed} failed` : ""}.`);
}
