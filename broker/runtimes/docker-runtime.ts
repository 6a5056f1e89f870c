import crypto from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import type { Duplex } from "node:stream";
import Docker from "dockerode";
import type { ShimInstall } from "../agent-shim";
import { DEFAULT_PATH } from "../agent-environment";
import {
  AgentPaths,
  assertAgentId,
  harnessLogPipe,
  KEY_NAME,
  parseScreen,
  screenArgs,
  waitFor,
  writeTokenFile,
  type AgentRuntime,
  type AgentScreen,
  type AgentSpec,
  type HarnessView,
  type TerminalProcess,
} from "./agent-runtime";

export interface DockerRuntimeOptions {
  dataDir: string;
  shim: ShimInstall;
  /** The engine: a Docker daemon or Podman's Docker-compatible API. */
  docker: Docker;
  /** The agent image: tmux, git and a `node` on PATH (see docker/agent-image). */
  image: string;
  /**
   * Other images a template may name (SCION_DOCKER_ALLOWED_IMAGES): exact references, or prefixes
   * ending in `*` (`registry.example.com/agents/*`). Empty: only `image`.
   */
  allowedImages?: string[];
  /** The hub URL as seen from inside a container; default: the broker's, with a loopback host
   * rewritten to host.containers.internal. */
  hubUrl?: string;
  /** Network mode for agent containers (default "bridge": agent ports are published). */
  network?: string;
  /** Extra /etc/hosts entries, e.g. "host.docker.internal:host-gateway" on Docker for Linux. */
  extraHosts?: string[];
  /** `network: "host"` shares the broker's network (loopback services included): refused unless allowed. */
  allowHostNetwork?: boolean;
  /** Per-container limits; 0 leaves one unset. */
  limits?: Partial<DockerLimits>;
}

export interface DockerLimits {
  memoryBytes: number;
  /** CPUs, fractional (1.5 = one and a half cores). */
  cpus: number;
  pids: number;
}

export const DEFAULT_DOCKER_LIMITS: DockerLimits = { memoryBytes: 4 * 1024 ** 3, cpus: 2, pids: 2048 };

/** The image's unprivileged user (docker/agent-image); host files an agent must reach are chowned to it. */
export const CONTAINER_USER = { uid: 1000, gid: 1000 };

const SESSION = "scion";
const WORKSPACE = "/workspace";
const SECRETS = "/run/scion";
const SHIM_DIR = "/opt/scion/bin";
const HOME = "/home/agent";
/** The image's node (docker/agent-image), which runs the mounted shim. */
const NODE = "/usr/local/bin/node";

/**
 * The `docker` runtime: each agent is a container (dockerode; Docker or Podman) with the same
 * environment as a local agent, its workspace and token directory bind-mounted, its
 * `AVAILABLE_LOCALHOST_PORT_*` ports published on the same numbers, and a tmux session `scion`
 * inside whose first process is the shim (mounted read-only from the broker). The container
 * lives as long as that session. Everything reaches tmux as argv through exec, never through a
 * shell string built from a request.
 *
 * The container is the agent's boundary: it runs as the image's unprivileged user (uid 1000),
 * with no-new-privileges (setuid binaries such as sudo cannot raise it), every capability
 * dropped (a non-root process needs none to edit files, build and run tests), memory, CPU and
 * process limits, its own network namespace (host networking only when the broker allows it),
 * and sees nothing of the host but its workspace, HOME, token directory, the shim and its project's
 * shared clone (read-only; see broker/workspace.ts). The agent's git on the broker's behalf (making
 * its repository, status, keeping its branch) runs in a one-shot container with the same identity
 * and limits; the shared clone is fetched by the broker on the host.
 */
export class DockerRuntime extends AgentPaths implements AgentRuntime {
  readonly kind = "docker" as const;
  private readonly docker: Docker;
  private readonly brokerLabel: string;

  readonly isolated = true;
  /** The agent image has the harness CLIs on its PATH (docker/agent-image). */
  readonly installsHarnesses = false;
  private readonly limits: DockerLimits;
  /** Host files the agent reaches are the container user's when the broker can chown them. */
  private readonly owner = process.getuid?.() === 0 ? CONTAINER_USER : undefined;

  constructor(private readonly opts: DockerRuntimeOptions) {
    super(opts.dataDir);
    this.docker = opts.docker;
    this.brokerLabel = crypto.createHash("sha256").update(path.resolve(opts.dataDir)).digest("hex").slice(0, 16);
    if ((opts.network ?? "bridge") === "host" && !opts.allowHostNetwork) {
      throw new Error(
        "host networking gives agents the broker's network, loopback services included; set SCION_DOCKER_ALLOW_HOST_NETWORK=true to allow it",
      );
    }
    this.limits = { ...DEFAULT_DOCKER_LIMITS, ...opts.limits };
  }

  async prepare(agentId: string): Promise<void> {
    this.prepareDirs(agentId, this.owner);
  }

  async writeToken(agentId: string, token: string): Promise<void> {
    writeTokenFile(this.tokenFileOf(agentId), token, this.owner);
  }

  fileOwner(): { uid: number; gid: number } | undefined {
    return this.owner;
  }

  harnessView(): HarnessView {
    return {
      home: HOME,
      workspace: WORKSPACE,
      hookCommand: (dialect) => `${NODE} ${SHIM_DIR}/scion-agent-hook.mjs hook --dialect ${dialect}`,
    };
  }

  gitView(): { workspace: string; agentDir: string } {
    return { workspace: WORKSPACE, agentDir: SECRETS };
  }

  /** git as the agent, in a one-shot container of the agent's (same identity and limits as its session). */
  async runGit(agentId: string, args: string[], opts: { mounts?: string[] } = {}): Promise<string> {
    const env = {
      GIT_TERMINAL_PROMPT: "0",
      GIT_CONFIG_NOSYSTEM: "1",
      GIT_CONFIG_GLOBAL: "/dev/null",
      GIT_ALLOW_PROTOCOL: "http:https:ssh:git",
      HOME,
      PATH: DEFAULT_PATH,
    };
    const container = await this.docker.createContainer({
      name: `${this.containerName(agentId)}-git-${crypto.randomBytes(4).toString("hex")}`,
      Image: this.opts.image,
      User: `${CONTAINER_USER.uid}:${CONTAINER_USER.gid}`,
      Cmd: ["git", ...args],
      Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
      WorkingDir: HOME,
      Labels: { "scion.agent": agentId, "scion.broker": this.brokerLabel, "scion.role": "git" },
      HostConfig: {
        ...this.hostConfig(),
        Binds: [
          `${this.workspaceOf(agentId)}:${WORKSPACE}`,
          `${this.homeOf(agentId)}:${HOME}`,
          `${this.agentDirOf(agentId)}:${SECRETS}`,
          ...(opts.mounts ?? []).map((m) => `${m}:${m}:ro`),
        ],
      },
    });
    try {
      await container.start();
      const { StatusCode } = (await container.wait()) as { StatusCode: number };
      if (StatusCode !== 0) {
        const logs = await container.logs({ stdout: false, stderr: true, tail: 20 }).catch(() => Buffer.alloc(0));
        throw Object.assign(new Error(`git exited with ${StatusCode}`), { stderr: demux(logs) });
      }
      return demux(await container.logs({ stdout: true, stderr: false }));
    } finally {
      await container.remove({ force: true }).catch(() => undefined);
    }
  }

  /** The image an agent runs in: its template's when this broker allows it, else the broker's. */
  imageFor(requested: string | undefined): string {
    if (!requested || requested === this.opts.image) return this.opts.image;
    if (!isAllowedImage(requested, this.opts.allowedImages ?? []))
      throw new Error(
        `the template's image ${requested} is not allowed on this broker (its admin lists images in SCION_DOCKER_ALLOWED_IMAGES)`,
      );
    return requested;
  }

  async start(spec: AgentSpec): Promise<void> {
    if (await this.isRunning(spec.agentId)) return;
    const image = this.imageFor(spec.image);
    await this.removeContainer(spec.agentId);
    await this.prepare(spec.agentId);
    const workspace = this.workspaceOf(spec.agentId);
    const secrets = this.agentDirOf(spec.agentId);

    const env: Record<string, string> = {
      ...spec.env,
      TERM: "xterm-256color",
      HOME,
      USER: "agent",
      LOGNAME: "agent",
      PATH: DEFAULT_PATH,
    };
    let argv = spec.argv;
    if (spec.shim) {
      argv = ["node", `${SHIM_DIR}/scion-agent.mjs`, "run", "--", ...spec.argv];
      Object.assign(env, {
        SCION_HUB_URL: this.opts.hubUrl ?? containerHubUrl(spec.shim.hubUrl),
        SCION_AGENT_ID: spec.agentId,
        SCION_AGENT_TOKEN_FILE: `${SECRETS}/agent-token`,
        SCION_AGENT_LOG: `${SECRETS}/shim.log`,
        PATH: `${SHIM_DIR}:${DEFAULT_PATH}`,
      });
    }
    const ports = Object.entries(spec.env)
      .filter(([k]) => /^AVAILABLE_LOCALHOST_PORT_[A-Z]$/.test(k))
      .map(([, v]) => Number(v))
      .filter((p) => Number.isInteger(p) && p > 0 && p < 65536);
    const published = (this.opts.network ?? "bridge") !== "host";
    // The container's first process keeps it alive exactly as long as the tmux session. The
    // harness's output goes to its log from the first byte: pipe-pane runs in the same tmux call.
    const keeper = `tmux new-session -d -s ${SESSION} -x 200 -y 50 -c ${WORKSPACE} -- "$@" ';' pipe-pane -t ${SESSION}: "${harnessLogPipe(`${SECRETS}/harness.log`)}" && tmux set-option -t ${SESSION} window-size latest && while tmux has-session -t ${SESSION} 2>/dev/null; do sleep 1; done`;
    const container = await this.docker.createContainer({
      name: this.containerName(spec.agentId),
      Image: image,
      User: `${CONTAINER_USER.uid}:${CONTAINER_USER.gid}`,
      Cmd: ["/bin/sh", "-c", keeper, "scion-keeper", ...argv],
      Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
      WorkingDir: WORKSPACE,
      Labels: { "scion.agent": spec.agentId, "scion.broker": this.brokerLabel },
      ...(published && { ExposedPorts: Object.fromEntries(ports.map((p) => [`${p}/tcp`, {}])) }),
      HostConfig: {
        ...this.hostConfig(),
        Binds: [
          `${workspace}:${WORKSPACE}`,
          `${secrets}:${SECRETS}`,
          `${this.homeOf(spec.agentId)}:${HOME}`,
          `${this.opts.shim.binDir}:${SHIM_DIR}:ro`,
          ...(spec.mounts ?? []).map((m) => `${m}:${m}:ro`),
        ],
        ...(published && {
          PortBindings: Object.fromEntries(ports.map((p) => [`${p}/tcp`, [{ HostPort: String(p) }]])),
        }),
      },
    });
    await container.start();
    const up = await waitFor(
      async () => (await this.exec(spec.agentId, ["tmux", "has-session", "-t", SESSION])).exitCode === 0,
      10_000,
      50,
    );
    if (!up) {
      const logs = await container.logs({ stdout: true, stderr: true, tail: 20 }).catch(() => Buffer.alloc(0));
      await this.removeContainer(spec.agentId);
      throw new Error(`the agent's container did not start its session: ${logs.toString("utf8").trim().slice(-500)}`);
    }
  }

  async stop(agentId: string, graceMs = 5000): Promise<void> {
    if (!(await this.isRunning(agentId))) return this.removeContainer(agentId);
    if (await this.signal(agentId, "SIGTERM"))
      await waitFor(async () => !(await this.isRunning(agentId)), graceMs, 100);
    await this.removeContainer(agentId);
  }

  async remove(agentId: string): Promise<void> {
    await this.removeContainer(agentId);
    await fs.rm(this.workspaceOf(agentId), { recursive: true, force: true });
    await fs.rm(this.agentDirOf(agentId), { recursive: true, force: true });
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
    return (
      (await this.exec(agentId, ["/bin/sh", "-c", 'kill -s "$1" "$2"', "scion-signal", signal.slice(3), String(pid)]))
        .exitCode === 0
    );
  }

  async sendText(agentId: string, text: string): Promise<void> {
    await this.typeText(agentId, text);
    await this.exec(agentId, ["tmux", "send-keys", "-t", `${SESSION}:`, "Enter"]);
  }

  async typeText(agentId: string, text: string): Promise<void> {
    const typed = await this.exec(agentId, ["tmux", "send-keys", "-t", `${SESSION}:`, "-l", "--", text]);
    if (typed.exitCode !== 0) throw new Error(`typing into the agent's session failed: ${typed.output.trim()}`);
  }

  async sendKeys(agentId: string, keys: string[]): Promise<void> {
    const bad = keys.find((k) => !KEY_NAME.test(k));
    if (bad !== undefined) throw new Error(`not a key name: ${bad.slice(0, 40)}`);
    if (!keys.length) return;
    const sent = await this.exec(agentId, ["tmux", "send-keys", "-t", `${SESSION}:`, ...keys]);
    if (sent.exitCode !== 0) throw new Error(`pressing keys in the agent's session failed: ${sent.output.trim()}`);
  }

  async listRunning(): Promise<string[]> {
    const containers = await this.docker.listContainers({
      filters: { label: [`scion.broker=${this.brokerLabel}`], status: ["running"] },
    });
    return containers.map((c) => c.Labels["scion.agent"]).filter((id): id is string => typeof id === "string");
  }

  async capture(agentId: string): Promise<string> {
    return (await this.exec(agentId, ["tmux", "capture-pane", "-p", "-t", `${SESSION}:`])).output;
  }

  async screen(agentId: string, { ansi }: { ansi: boolean }): Promise<AgentScreen> {
    const shown = await this.exec(agentId, ["tmux", ...screenArgs(`${SESSION}:`, ansi)]);
    if (shown.exitCode !== 0) throw new Error(`tmux could not capture the agent's screen: ${shown.output.trim()}`);
    return parseScreen(shown.output);
  }

  async openTerminal(agentId: string, size: { cols: number; rows: number }): Promise<TerminalProcess> {
    const container = this.docker.getContainer(this.containerName(agentId));
    const exec = await container.exec({
      Cmd: ["tmux", "attach-session", "-t", SESSION],
      AttachStdin: true,
      AttachStdout: true,
      AttachStderr: true,
      Tty: true,
      Env: ["TERM=xterm-256color"],
    });
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

  /** What every agent container (and one-shot git container) gets: identity, privileges, limits, network. */
  private hostConfig(): Docker.HostConfig {
    return {
      NetworkMode: this.opts.network ?? "bridge",
      SecurityOpt: ["no-new-privileges"],
      CapDrop: ["ALL"],
      ...(this.limits.memoryBytes > 0 && { Memory: this.limits.memoryBytes, MemorySwap: this.limits.memoryBytes }),
      ...(this.limits.cpus > 0 && { NanoCpus: Math.round(this.limits.cpus * 1e9) }),
      ...(this.limits.pids > 0 && { PidsLimit: this.limits.pids }),
      ...(this.opts.extraHosts?.length && { ExtraHosts: this.opts.extraHosts }),
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
  if (url.hostname === "127.0.0.1" || url.hostname === "localhost" || url.hostname === "[::1]")
    url.hostname = "host.containers.internal";
  return url.toString().replace(/\/$/, "");
}

/** Container logs without a TTY come in frames of 8-byte headers; the text is what people read. */
function demux(buffer: Buffer): string {
  const out: Buffer[] = [];
  let offset = 0;
  while (offset + 8 <= buffer.length && buffer[offset]! <= 2 && buffer.readUInt8(offset + 1) === 0) {
    const size = buffer.readUInt32BE(offset + 4);
    out.push(buffer.subarray(offset + 8, offset + 8 + size));
    offset += 8 + size;
  }
  return (offset === 0 ? buffer : Buffer.concat(out)).toString("utf8");
}

function isNotFound(err: unknown): boolean {
  return (err as { statusCode?: number })?.statusCode === 404;
}

function isGone(err: unknown): boolean {
  return (
    (err as { statusCode?: number })?.statusCode === 409 &&
    /removal .* in progress|is already in progress/i.test(String((err as Error).message))
  );
}

/** Whether a template's image is on the broker's list: an exact reference, or a prefix ending in `*`. */
export function isAllowedImage(image: string, allowed: readonly string[]): boolean {
  return allowed.some((entry) => (entry.endsWith("*") ? image.startsWith(entry.slice(0, -1)) : image === entry));
}
