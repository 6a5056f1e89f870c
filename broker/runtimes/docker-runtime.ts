import crypto from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import type { Duplex } from "node:stream";
import Docker from "dockerode";
import type { ShimInstall } from "../agent-shim";
import { AgentPaths, assertAgentId, waitFor, type AgentRuntime, type AgentSpec, type TerminalProcess } from "./agent-runtime";

export interface DockerRuntimeOptions {
  dataDir: string;
  shim: ShimInstall;
  /** The engine: a Docker daemon or Podman's Docker-compatible API. */
  docker: Docker;
  /** The agent image: tmux, git and a `node` on PATH (see docker/agent-image). */
  image: string;
  /** The hub URL as seen from inside a container; default: the broker's, with a loopback host
   * rewritten to host.containers.internal. */
  hubUrl?: string;
  /** Network mode for agent containers (default "bridge": agent ports are published). */
  network?: string;
  /** Extra /etc/hosts entries, e.g. "host.docker.internal:host-gateway" on Docker for Linux. */
  extraHosts?: string[];
}

const SESSION = "scion";
const WORKSPACE = "/workspace";
const SECRETS = "/run/scion";
const SHIM_DIR = "/opt/scion/bin";

/**
 * The `docker` runtime: each agent is a container (dockerode; Docker or Podman) with the same
 * environment as a local agent, its workspace and token directory bind-mounted, its
 * `AVAILABLE_LOCALHOST_PORT_*` ports published on the same numbers, and a tmux session `scion`
 * inside whose first process is the shim (mounted read-only from the broker). The container
 * lives as long as that session. Everything reaches tmux as argv through exec, never through a
 * shell string built from a request.
 */
export class DockerRuntime extends AgentPaths implements AgentRuntime {
  readonly kind = "docker" as const;
  private readonly docker: Docker;
  private readonly brokerLabel: string;

  constructor(private readonly opts: DockerRuntimeOptions) {
    super(opts.dataDir);
    this.docker = opts.docker;
    this.brokerLabel = crypto.createHash("sha256").update(path.resolve(opts.dataDir)).digest("hex").slice(0, 16);
  }

  async start(spec: AgentSpec): Promise<void> {
    if (await this.isRunning(spec.agentId)) return;
    await this.removeContainer(spec.agentId);
    const workspace = this.workspaceOf(spec.agentId);
    const secrets = path.dirname(this.tokenFileOf(spec.agentId));
    await fs.mkdir(workspace, { recursive: true, mode: 0o700 });
    await fs.mkdir(secrets, { recursive: true, mode: 0o700 });

    const env: Record<string, string> = { ...spec.env, TERM: "xterm-256color", HOME: "/root" };
    let argv = spec.argv;
    if (spec.shim) {
      argv = ["node", `${SHIM_DIR}/scion-agent.mjs`, "run", "--", ...spec.argv];
      Object.assign(env, {
        SCION_HUB_URL: this.opts.hubUrl ?? containerHubUrl(spec.shim.hubUrl),
        SCION_AGENT_ID: spec.agentId,
        SCION_AGENT_TOKEN_FILE: `${SECRETS}/agent-token`,
        SCION_AGENT_LOG: `${SECRETS}/shim.log`,
        PATH: `${SHIM_DIR}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
      });
    }
    const ports = Object.entries(spec.env)
      .filter(([k]) => /^AVAILABLE_LOCALHOST_PORT_[A-Z]$/.test(k))
      .map(([, v]) => Number(v))
      .filter((p) => Number.isInteger(p) && p > 0 && p < 65536);
    const network = this.opts.network ?? "bridge";
    const published = network !== "host";
    // The container's first process keeps it alive exactly as long as the tmux session.
    const keeper = `tmux new-session -d -s ${SESSION} -x 200 -y 50 -c ${WORKSPACE} -- "$@" && tmux set-option -t ${SESSION} window-size latest && while tmux has-session -t ${SESSION} 2>/dev/null; do sleep 1; done`;
    const container = await this.docker.createContainer({
      name: this.containerName(spec.agentId),
      Image: this.opts.image,
      Cmd: ["/bin/sh", "-c", keeper, "scion-keeper", ...argv],
      Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
      WorkingDir: WORKSPACE,
      Labels: { "scion.agent": spec.agentId, "scion.broker": this.brokerLabel },
      ...(published && { ExposedPorts: Object.fromEntries(ports.map((p) => [`${p}/tcp`, {}])) }),
      HostConfig: {
        NetworkMode: network,
        Binds: [`${workspace}:${WORKSPACE}`, `${secrets}:${SECRETS}`, `${this.opts.shim.binDir}:${SHIM_DIR}:ro`],
        ...(published && { PortBindings: Object.fromEntries(ports.map((p) => [`${p}/tcp`, [{ HostPort: String(p) }]])) }),
        ...(this.opts.extraHosts?.length && { ExtraHosts: this.opts.extraHosts }),
      },
    });
    await container.start();
    const up = await waitFor(async () => (await this.exec(spec.agentId, ["tmux", "has-session", "-t", SESSION])).exitCode === 0, 10_000, 50);
    if (!up) {
      const logs = await container.logs({ stdout: true, stderr: true, tail: 20 }).catch(() => Buffer.alloc(0));
      await this.removeContainer(spec.agentId);
      throw new Error(`the agent's container did not start its session: ${logs.toString("utf8").trim().slice(-500)}`);
    }
  }

  async stop(agentId: string, graceMs = 5000): Promise<void> {
    if (!(await this.isRunning(agentId))) return this.removeContainer(agentId);
    if (await this.signal(agentId, "SIGTERM")) await waitFor(async () => !(await this.isRunning(agentId)), graceMs, 100);
    await this.removeContainer(agentId);
  }

  async remove(agentId: string): Promise<void> {
    await this.removeContainer(agentId);
    await fs.rm(this.workspaceOf(agentId), { recursive: true, force: true });
    await fs.rm(path.dirname(this.tokenFileOf(agentId)), { recursive: true, force: true });
  }

  async isRunning(agentId: string): Promise<boolean> {
    try {
      const info = await this.docker.getContainer(this.containerName(agentId)).inspect();
      return info.State.Running === true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  async signal(agentId: string, signal: NodeJS.Signals): Promise<boolean> {
    if (!/^SIG[A-Z0-9]+$/.test(signal) || !(await this.isRunning(agentId))) return false;
    const pane = await this.exec(agentId, ["tmux", "display-message", "-p", "-t", `${SESSION}:`, "#{pane_pid}"]);
    const pid = Number(pane.output.trim());
    if (pane.exitCode !== 0 || !Number.isInteger(pid) || pid <= 1) return false;
    // The signal name and pid are checked above and passed as arguments, not spliced into the script.
    return (await this.exec(agentId, ["/bin/sh", "-c", 'kill -s "$1" "$2"', "scion-signal", signal.slice(3), String(pid)])).exitCode === 0;
  }

  async sendText(agentId: string, text: string): Promise<void> {
    const typed = await this.exec(agentId, ["tmux", "send-keys", "-t", `${SESSION}:`, "-l", "--", text]);
    if (typed.exitCode !== 0) throw new Error(`typing into the agent's session failed: ${typed.output.trim()}`);
    await this.exec(agentId, ["tmux", "send-keys", "-t", `${SESSION}:`, "Enter"]);
  }

  async listRunning(): Promise<string[]> {
    const containers = await this.docker.listContainers({ filters: { label: [`scion.broker=${this.brokerLabel}`], status: ["running"] } });
    return containers.map((c) => c.Labels["scion.agent"]).filter((id): id is string => typeof id === "string");
  }

  async capture(agentId: string): Promise<string> {
    return (await this.exec(agentId, ["tmux", "capture-pane", "-p", "-t", `${SESSION}:`])).output;
  }

  async openTerminal(agentId: string, size: { cols: number; rows: number }): Promise<TerminalProcess> {
    const container = this.docker.getContainer(this.containerName(agentId));
    const exec = await container.exec({ Cmd: ["tmux", "attach-session", "-t", SESSION], AttachStdin: true, AttachStdout: true, AttachStderr: true, Tty: true, Env: ["TERM=xterm-256color"] });
    const stream = (await exec.start({ hijack: true, stdin: true, Tty: true })) as Duplex;
    const resize = (cols: number, rows: number) =>
      // Podman answers 201 where Docker answers 200, which dockerode reports as an error.
      exec.resize({ w: cols, h: rows }).catch((err: { statusCode?: number }) => {
        if (err?.statusCode !== 201) throw err;
      });
    await resize(size.cols, size.rows).catch(() => undefined);
    return {
      onData: (listener) => void stream.on("data", (chunk: Buffer) => listener(chunk)),
      onExit: (listener) => {
        stream.once("end", listener);
        stream.once("close", listener);
      },
      write: (data) => void stream.write(data),
      resize: (cols, rows) => void resize(cols, rows).catch(() => undefined),
      pause: () => void stream.pause(),
      resume: () => void stream.resume(),
      kill: () => stream.destroy(),
    };
  }

  private containerName(agentId: string): string {
    return `scion-${assertAgentId(agentId)}`;
  }

  private async removeContainer(agentId: string): Promise<void> {
    try {
      await this.docker.getContainer(this.containerName(agentId)).remove({ force: true });
    } catch (err) {
      if (!isNotFound(err) && !isGone(err)) throw err;
    }
  }

  /** Runs argv in the agent's container (no TTY) and collects its output and exit code. */
  private async exec(agentId: string, argv: string[]): Promise<{ exitCode: number; output: string }> {
    const container = this.docker.getContainer(this.containerName(agentId));
    const exec = await container.exec({ Cmd: argv, AttachStdout: true, AttachStderr: true, Tty: true });
    const stream = (await exec.start({ hijack: true, Tty: true })) as Duplex;
    const chunks: Buffer[] = [];
    await new Promise<void>((resolve, reject) => {
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.once("end", resolve);
      stream.once("close", resolve);
      stream.once("error", reject);
    });
    const info = await exec.inspect();
    return { exitCode: info.ExitCode ?? 1, output: Buffer.concat(chunks).toString("utf8") };
  }
}

/** A hub on the broker's loopback is the host's from inside a container. */
export function containerHubUrl(hubUrl: string): string {
  const url = new URL(hubUrl);
  if (url.hostname === "127.0.0.1" || url.hostname === "localhost" || url.hostname === "[::1]") url.hostname = "host.containers.internal";
  return url.toString().replace(/\/$/, "");
}

function isNotFound(err: unknown): boolean {
  return (err as { statusCode?: number })?.statusCode === 404;
}

function isGone(err: unknown): boolean {
  return (err as { statusCode?: number })?.statusCode === 409 && /removal .* in progress|is already in progress/i.test(String((err as Error).message));
}
