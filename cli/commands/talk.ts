/** `scion message`, `scion messages`, `scion look`, `scion logs`. */
import type { Command } from "commander";
import type { MessageJson } from "../../lib/messages/schemas";
import { agentRef, projectSlugs, resolveAgent } from "../lib/agents";
import { intIn, oneOf } from "../lib/args";
import { isMissingRoute, type HubClient } from "../lib/client";
import { hubContext } from "../lib/context";
import { CliError, usageError } from "../lib/errors";
import { examples } from "../lib/help";
import { c, out, printJson, relativeTime, tick } from "../lib/output";

/** GET a route this hub may not have yet (the screen and logs API): say so plainly when it does not. */
async function optionalRoute<T>(client: HubClient, path: string, what: string, query = {}): Promise<T> {
  try {
    return await client.get<T>(path, query);
  } catch (err) {
    if (isMissingRoute(err))
      throw new CliError(`this hub has no ${what} yet (GET ${path.replace(/[0-9a-f-]{36}/, "{id}")})`);
    throw err;
  }
}

export function registerTalk(program: Command): void {
  examples(
    program
      .command("message")
      .alias("msg")
      .description("Send a message into an agent's session")
      .argument("<agent>", "project/slug, slug or id")
      .argument("<text>", "the message (- reads it from stdin)")
      .option("-i, --interrupt", "interrupt the agent's current turn first")
      .option("--json", "print the message as JSON")
      .action(async (ref: string, body: string, opts: { interrupt?: boolean; json?: boolean }, cmd: Command) => {
        const { client } = hubContext(cmd);
        if (body === "-") {
          body = "";
          for await (const chunk of process.stdin) body += chunk;
          body = body.replace(/\n$/, "");
        }
        if (!body) throw usageError("the message is empty");
        const agent = await resolveAgent(client, ref);
        const res = await client.post<MessageJson>(`/api/v1/agents/${agent.id}/messages`, {
          body,
          channel: "cli",
          ...(opts.interrupt && { interrupt: true }),
        });
        if (opts.json) return printJson(res.body);
        const name = agentRef(agent, await projectSlugs(client));
        out(`${tick()} ${res.status === 201 ? "Delivered to" : "Queued for"} ${name}`);
      }),
    [
      "scion message web/fixer 'also run the linter'",
      "scion message fixer --interrupt 'stop, wrong branch'",
      "git diff | scion message web/reviewer -",
    ],
  );

  examples(
    program
      .command("messages")
      .description("An agent's messages, newest last")
      .argument("<agent>", "project/slug, slug or id")
      .option("-n, --limit <n>", "at most this many (1-500)", intIn(1, 500), 20)
      .option("--json", "print JSON")
      .action(async (ref: string, opts: { limit: number; json?: boolean }, cmd: Command) => {
        const { client } = hubContext(cmd);
        const agent = await resolveAgent(client, ref);
        const page = await client.get<{ items: MessageJson[] }>(`/api/v1/agents/${agent.id}/messages`, {
          limit: opts.limit,
          order: "desc",
        });
        const items = page.items.reverse();
        if (opts.json) return printJson(items);
        if (items.length === 0) return out(c.dim("No messages."));
        for (const m of items) {
          const arrow = m.direction === "to_agent" ? "→ agent" : "← agent";
          out(
            `${c.dim(relativeTime(m.createdAt).padEnd(12))} ${c.bold(arrow)} ${c.dim(`${m.sender} [${m.channel}, ${m.dispatchState}]`)}`,
          );
          out(`  ${m.body.replace(/\n/g, "\n  ")}`);
        }
      }),
    ["scion messages web/fixer", "scion messages fixer --limit 5 --json"],
  );

  examples(
    program
      .command("look")
      .description("The agent's current screen, as text")
      .argument("<agent>", "project/slug, slug or id")
      .option("--ansi", "keep colours (escape sequences)")
      .option("--json", "print JSON")
      .action(async (ref: string, opts: { ansi?: boolean; json?: boolean }, cmd: Command) => {
        const { client } = hubContext(cmd);
        const agent = await resolveAgent(client, ref);
        const screen = await optionalRoute<{ text: string }>(
          client,
          `/api/v1/agents/${agent.id}/screen`,
          "screen API",
          opts.ansi ? { ansi: "true" } : {},
        );
        if (opts.json) return printJson(screen);
        out(screen.text.replace(/\s+$/, ""));
      }),
    ["scion look web/fixer", "watch -n2 scion look fixer"],
  );

  examples(
    program
      .command("logs")
      .description("The agent's logs: the shim's and the harness's output")
      .argument("<agent>", "project/slug, slug or id")
      .option("-n, --tail <n>", "the last N lines (0-5000)", intIn(0, 5000), 200)
      .option("--source <source>", "all, shim or harness", oneOf(["all", "shim", "harness"]), "all")
      .option("-f, --follow", "keep printing new lines (Ctrl-C ends)")
      .option("--json", "print JSON (without --follow)")
      .action(
        async (ref: string, opts: { tail: number; source: string; follow?: boolean; json?: boolean }, cmd: Command) => {
          const { client } = hubContext(cmd);
          if (opts.follow && opts.json) throw usageError("--follow and --json do not go together");
          const agent = await resolveAgent(client, ref);
          const path = `/api/v1/agents/${agent.id}/logs`;
          if (!opts.follow) {
            const logs = await optionalRoute<{ text: string }>(client, path, "logs API", {
              tail: opts.tail,
              source: opts.source,
            });
            if (opts.json) return printJson(logs);
            if (logs.text) out(logs.text);
            return;
          }
          await followLogs(client, path, opts);
        },
      ),
    ["scion logs web/fixer", "scion logs fixer -f --source harness"],
  );
}

async function followLogs(client: HubClient, path: string, opts: { tail: number; source: string }): Promise<void> {
  const res = await fetch(client.url(path, { tail: opts.tail, source: opts.source, follow: "true" }), {
    headers: { accept: "text/event-stream", ...(client.token && { authorization: `Bearer ${client.token}` }) },
  });
  if (!res.ok || !res.body) {
    const failure = client.failure(res.status, await res.json().catch(() => null));
    if (isMissingRoute(failure)) throw new CliError("this hub has no logs API yet (GET /api/v1/agents/{id}/logs)");
    throw failure;
  }
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end).split("\n");
      buffer = buffer.slice(end + 2);
      const event = block
        .find((l) => l.startsWith("event:"))
        ?.slice(6)
        .trim();
      const data = block
        .filter((l) => l.startsWith("data:"))
        .map((l) => l.slice(5).trimStart())
        .join("\n");
      if (!data) continue;
      const parsed = JSON.parse(data) as { text?: string; reason?: string };
      if (event === "line" && parsed.text !== undefined) out(parsed.text);
      if (event === "end")
        return void process.stderr.write(`${c.dim(parsed.reason ?? "the log ended", process.stderr)}\n`);
    }
  }
}
