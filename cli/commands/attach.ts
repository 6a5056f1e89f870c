/**
 * `scion attach <agent>`: the agent's terminal in this one, through the same WebSocket as the
 * dashboard (GET /api/v1/agents/{id}/pty: binary frames carry the bytes both ways, a JSON text
 * frame carries the size). The local terminal goes raw; its size follows the window; Ctrl-]
 * detaches (tmux's prefix is Ctrl-b, so the two never meet). When the connection drops it
 * reconnects with the dashboard's backoff, and tmux redraws the screen on re-attach.
 */
import type { Command } from "commander";
import type WebSocketType from "ws";
import { agentRef, projectSlugs, resolveAgent } from "../lib/agents";
import { hubContext } from "../lib/context";
import { CliError } from "../lib/errors";
import { examples } from "../lib/help";
import { c } from "../lib/output";

const BACKOFF_MS = [500, 1000, 2000, 4000, 8000, 10_000];
const DETACH = 0x1d; // Ctrl-]
/** Refusals that a retry cannot fix: stop and say why. */
const FINAL = new Set([400, 401, 403, 404]);
/**
 * 409 is an agent that is not running: during a restart that lasts seconds, so it is retried
 * like a dropped connection, until the agent has not run for this long.
 */
const NOT_RUNNING_GRACE_MS = 60_000;

type Outcome =
  { kind: "detached" } | { kind: "dropped"; reason: string } | { kind: "refused"; status: number; message: string };

export function registerAttach(program: Command): void {
  examples(
    program
      .command("attach")
      .description("Open the agent's terminal here (detach with Ctrl-])")
      .argument("<agent>", "project/slug, slug or id")
      .action(async (ref: string, _opts: unknown, cmd: Command) => {
        const { client } = hubContext(cmd);
        const agent = await resolveAgent(client, ref);
        const name = agentRef(agent, await projectSlugs(client));
        if (agent.phase !== "running")
          throw new CliError(`${name} is ${agent.phase}; start it first (scion start ${name})`);
        const note = (s: string) => process.stderr.write(`\r\n${c.dim(s, process.stderr)}\r\n`);
        process.stderr.write(`${c.dim(`Attached to ${name} — detach with Ctrl-]`, process.stderr)}\n`);
        // Loaded here, not at start-up: only attach needs a WebSocket client.
        const { default: WebSocket } = await import("ws");
        const stdin = process.stdin;
        const raw = stdin.isTTY;
        if (raw) stdin.setRawMode(true);
        stdin.resume();
        try {
          let attempt = 0;
          let notRunningSince: number | null = null;
          for (;;) {
            const outcome = await session(WebSocket, client.url(`/api/v1/agents/${agent.id}/pty`), client.token, () => {
              attempt = 0;
              notRunningSince = null;
            });
            if (outcome.kind === "detached") {
              note(`Detached from ${name}.`);
              return;
            }
            if (outcome.kind === "refused" && FINAL.has(outcome.status)) throw new CliError(outcome.message);
            if (outcome.kind === "refused" && outcome.status === 409) {
              notRunningSince ??= Date.now();
              if (Date.now() - notRunningSince > NOT_RUNNING_GRACE_MS) throw new CliError(outcome.message);
            }
            const delay = BACKOFF_MS[Math.min(attempt++, BACKOFF_MS.length - 1)]!;
            note(
              `Disconnected${outcome.kind === "dropped" && outcome.reason ? `: ${outcome.reason}` : outcome.kind === "refused" ? `: ${outcome.message}` : ""} — reconnecting in ${delay / 1000} s (Ctrl-] gives up)`,
            );
            if (await waitOrDetach(delay)) {
              note(`Detached from ${name}.`);
              return;
            }
          }
        } finally {
          if (raw) stdin.setRawMode(false);
          stdin.pause();
        }
      }),
    ["scion attach web/fixer", "scion attach 3f2b…  # by id"],
  );
}

/** One connection, until it closes or the person detaches. */
function session(
  WebSocket: typeof WebSocketType,
  httpUrl: string,
  token: string | undefined,
  onOpen: () => void,
): Promise<Outcome> {
  const size = () => ({ cols: process.stdout.columns || 80, rows: process.stdout.rows || 24 });
  const url = new URL(httpUrl.replace(/^http/, "ws"));
  url.searchParams.set("cols", String(size().cols));
  url.searchParams.set("rows", String(size().rows));
  const ws = new WebSocket(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return new Promise<Outcome>((resolve) => {
    let reason = "";
    let done = false;
    const finish = (outcome: Outcome) => {
      if (done) return;
      done = true;
      process.stdin.off("data", onInput);
      process.stdout.off("resize", onResize);
      resolve(outcome);
    };
    const onInput = (chunk: Buffer) => {
      const at = chunk.indexOf(DETACH);
      const data = at >= 0 ? chunk.subarray(0, at) : chunk;
      if (data.length && ws.readyState === WebSocket.OPEN) ws.send(data, { binary: true });
      if (at >= 0) {
        finish({ kind: "detached" });
        ws.close(1000, "detached");
      }
    };
    const onResize = () => {
      if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: "resize", ...size() }));
    };
    ws.on("unexpected-response", (_req, res) => {
      let body = "";
      res.on("data", (d: Buffer) => (body += d.toString()));
      res.on("end", () => {
        let message = `the hub refused the terminal (HTTP ${res.statusCode})`;
        try {
          message = (JSON.parse(body) as { error?: { message?: string } }).error?.message ?? message;
        } catch {
          // not the envelope
        }
        finish({ kind: "refused", status: res.statusCode ?? 0, message });
      });
    });
    ws.on("open", () => {
      onOpen();
      onResize();
      process.stdin.on("data", onInput);
      process.stdout.on("resize", onResize);
    });
    ws.on("message", (data, isBinary) => {
      if (isBinary) {
        process.stdout.write(data as Buffer);
        return;
      }
      try {
        const control = JSON.parse(String(data)) as { type?: string; message?: string };
        if (control.type === "error" && control.message) reason = control.message;
      } catch {
        // ignore a control frame we do not understand
      }
    });
    ws.on("error", (err) => {
      reason ||= err.message;
    });
    ws.on("close", (code, why) => {
      finish({ kind: "dropped", reason: why.toString() || reason || (code === 1006 ? "the connection was lost" : "") });
    });
  });
}

/** Waits `ms`, or less if the person presses Ctrl-] meanwhile (true then). */
function waitOrDetach(ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const onInput = (chunk: Buffer) => {
      if (chunk.includes(DETACH)) {
        clearTimeout(timer);
        process.stdin.off("data", onInput);
        resolve(true);
      }
    };
    const timer = setTimeout(() => {
      process.stdin.off("data", onInput);
      resolve(false);
    }, ms);
    process.stdin.on("data", onInput);
  });
}
