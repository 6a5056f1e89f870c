import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { z } from "zod";
import { ChannelRequestError, type RequestHandler } from "../lib/brokers/channel/channel-peer";
import type { Logger } from "../lib/log/create-logger";
import { findHarness } from "../lib/harnesses/registry";
import { isGitBranchName } from "../lib/net/git-ref-name";
import { IMAGE_REFERENCE } from "../lib/net/image-reference";
import { PROMPT_MARKER, type HarnessDescriptor } from "../lib/harnesses/types";
import {
  writeCredentialFiles,
  safeHomePath,
  writeHarnessConfig,
  writeTemplateFiles,
  withHarnessSettings,
} from "./harness-config";
import { LOG_TAIL_MAX_LINES, readLogSince, tailLog } from "./agent-logs";
import type { HarnessInstaller } from "./harness-install";
import { harnessArgv } from "./harnesses";
import type { PtyRelay } from "./pty-relay";
import { PortPool, PortPoolExhaustedError, portEnvironment, type PortAllocation } from "./port-pool";
import { waitFor, type AgentRuntime } from "./runtimes/agent-runtime";
import { ProjectWorkspaces } from "./workspace";

const agentId = z.uuid();
const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/);
const token = z.string().min(20).max(4096);
const credentials = z
  .object({
    env: z.record(envName, z.string().max(65_536)).default({}),
    files: z
      .array(
        z
          .object({
            path: z.string().refine(safeHomePath, { error: "must be a path relative to HOME, without .." }),
            value: z.string().max(1024 * 1024),
          })
          .strict(),
      )
      .max(64)
      .default([]),
  })
  .strict();
/** A git branch name as `git check-ref-format --branch` takes it (no .., no @{, no control characters, …). */
const gitBranchName = z.string().min(1).max(200).refine(isGitBranchName, { error: "not a valid git branch name" });
const workspace = z
  .object({
    remote: z.string().min(1).max(500),
    projectId: z.uuid().nullish(),
    branch: gitBranchName.nullish(),
    baseBranch: gitBranchName.nullish(),
    gitToken: z.string().min(1).max(4096).nullish(),
    author: z
      .object({ name: z.string().min(1).max(200), email: z.string().min(1).max(320) })
      .strict()
      .nullish(),
  })
  .strict();
const schemas = {
  "agent.start": z
    .object({
      agentId,
      harness: z.string().min(1).max(32),
      command: z.string().min(1).max(4096).nullish(),
      task: z.string().max(65_536).nullish(),
      env: z.record(envName, z.string().max(32_768)).default({}),
      /** Hubs before shared clones: the remote alone (the workspace checks out its default branch). */
      gitRemote: z.string().max(500).nullish(),
      /** The agent's git workspace: its project's shared clone and its own branch. */
      workspace: workspace.nullish(),
      /** The hub's admin allows remotes on internal addresses (SCION_ALLOW_PRIVATE_GIT_REMOTES). */
      allowPrivateRemote: z.boolean().optional(),
      /** The agent's own token; without one the harness runs without the shim. */
      token: token.optional(),
      model: z.string().trim().min(1).max(200).nullish(),
      /** Continue the previous conversation, when the harness has one in HOME. */
      resume: z.boolean().optional(),
      /** The agent's secrets: env entries join its environment, files are written into HOME. */
      credentials: credentials.optional(),
      instructions: z
        .string()
        .max(256 * 1024)
        .nullish(),
      /** From the agent's template: its system prompt, its harness config's settings and its files. */
      systemPrompt: z
        .string()
        .max(64 * 1024)
        .nullish(),
      harnessSettings: z.record(z.string(), z.unknown()).nullish(),
      /** The template's container image (docker runtime, if the broker allows it; ignored by local agents). */
      image: z.string().regex(IMAGE_REFERENCE, { error: "is not an image reference" }).nullish(),
      files: z
        .array(
          z
            .object({
              path: z.string().refine(safeHomePath, { error: "must be a relative path without .." }),
              content: z.string().max(64 * 1024),
              target: z.enum(["workspace", "home"]),
            })
            .strict(),
        )
        .max(20)
        .nullish(),
    })
    .strict(),
  "agent.stop": z.object({ agentId }).strict(),
  "agent.delete": z.object({ agentId, keepBranch: z.boolean().optional() }).strict(),
  "agent.gitStatus": z.object({ agentId }).strict(),
  "agent.message": z
    .object({ agentId, text: z.string().min(1).max(65_536), harness: z.string().min(1).max(32).optional() })
    .strict(),
  "agent.reset-auth": z.object({ agentId, token }).strict(),
  "agent.reset-auth-many": z
    .object({
      items: z.array(z.object({ agentId, token }).strict()).min(1).max(100),
      concurrency: z.number().int().min(1).max(64).default(8),
    })
    .strict(),
  "agent.interrupt": z.object({ agentId, harness: z.string().min(1).max(32) }).strict(),
  "agent.screen": z.object({ agentId, ansi: z.boolean().default(false) }).strict(),
  "agent.logs": z
    .object({
      agentId,
      /** The last lines of each log (a tail)… */
      tail: z.number().int().min(0).max(LOG_TAIL_MAX_LINES).optional(),
      /** …or what each log got after these offsets (a follow's next step). */
      cursor: z
        .object({ shim: z.number().int().min(0), harness: z.number().int().min(0) })
        .strict()
        .optional(),
    })
    .strict(),
} as const;

/** Names the broker sets for every agent; an agent's own env cannot override them. */
const RESERVED = /^(SCION_|AVAILABLE_LOCALHOST_)/;

export interface AgentOperations {
  handle: RequestHandler;
  /** What the heartbeat reports: the agents running here. */
  heartbeat(): Promise<{ agents: string[] }>;
  /** After a broker restart: re-mark the ports of agents still running, forget the rest. */
  restore(): Promise<void>;
}

export interface AgentOperationsOptions {
  runtime: AgentRuntime;
  ports: PortPool;
  dataDir: string;
  logger: Logger;
  /** The hub URL agents report to: the one this broker is connected to. */
  hubUrl?: () => string | undefined;
  /** Every hub URL this broker knows; agents fall back to them when theirs is unreachable. */
  hubUrls?: string[];
  /** Tells the hub about progress it cannot see (the clone before the shim runs). */
  emit?: (name: string, data: unknown) => void;
  /** Browser terminals; without it `pty.open` is unsupported. */
  pty?: PtyRelay;
  /** Installs harness CLIs on first use (runtimes that install them); without it they run from PATH. */
  installer?: HarnessInstaller;
  /** Agents' git workspaces (shared clones per project); by default in `<dataDir>/repos`. */
  workspaces?: ProjectWorkspaces;
}

/** Where the port pool's holdings are saved, in the broker's data directory. */
const PORTS_FILE = "ports.json";

type StartArgs = z.output<(typeof schemas)["agent.start"]>;
type Operation = (args: unknown) => Promise<unknown>;

/** What every operation works with: the options, and a way to save the port pool's holdings. */
interface Context extends AgentOperationsOptions {
  savePorts(): void;
  workspaces: ProjectWorkspaces;
}

/**
 * The operations a hub asks of this broker, over the control channel. Starting writes the
 * agent's token file, prepares the workspace, allocates the agent's ports (releasing any it
 * held first, so a restart never leaks), passes them in the environment and gives them back if
 * the start fails; stop and delete release them. Holdings are saved in `<data dir>/ports.json`,
 * so a broker restart does not hand out ports that running agents still use.
 */
export function createAgentOperations(options: AgentOperationsOptions): AgentOperations {
  const { runtime, ports, dataDir, pty } = options;
  const file = path.join(dataDir, PORTS_FILE);
  const ctx: Context = {
    ...options,
    savePorts: () => ports.saveTo(file),
    workspaces: options.workspaces ?? new ProjectWorkspaces(dataDir),
  };
  // Agents between "ports allocated" and "session running": their ports are not idle.
  const starting = new Map<string, Promise<unknown>>();

  const ops: Record<string, Operation> = {
    ping: async () => ({ pong: true }),
    ...(pty && { "pty.open": (args: unknown) => pty.open(args) }),
    // A start retried while the first is still on its way (a hub that lost the broker hands the
    // intent to the replica that got it) joins the first: one user, one clone, one session.
    "agent.start": async (raw) => {
      const args = schemas["agent.start"].parse(raw);
      const inFlight = starting.get(args.agentId);
      if (inFlight) return inFlight;
      const started = startAgent(ctx, args).finally(() => starting.delete(args.agentId));
      starting.set(args.agentId, started);
      return started;
    },
    "agent.stop": async (raw) => endAgent(ctx, schemas["agent.stop"].parse(raw).agentId, (id) => runtime.stop(id)),
    "agent.delete": async (raw) => {
      const args = schemas["agent.delete"].parse(raw);
      return endAgent(ctx, args.agentId, async (id) => {
        // The branch is kept (or dropped) while the workspace still exists.
        await ctx.workspaces.release(runtime, id, { keepBranch: args.keepBranch === true }).catch((err: Error) => {
          if (args.keepBranch) throw new ChannelRequestError("conflict", `keeping the branch failed: ${err.message}`);
          ctx.logger.warn({ agentId: id, err: err.message }, "could not drop the agent's kept branch");
        });
        await runtime.remove(id);
      });
    },
    "agent.gitStatus": async (raw) => {
      const { agentId: id } = schemas["agent.gitStatus"].parse(raw);
      const status = await ctx.workspaces.status(runtime, id);
      if (!status) throw new ChannelRequestError("conflict", "the agent has no git workspace");
      return status;
    },
    "agent.message": async (raw) => messageAgent(ctx, schemas["agent.message"].parse(raw)),
    "agent.interrupt": async (raw) => interruptAgent(ctx, schemas["agent.interrupt"].parse(raw)),
    "agent.reset-auth": async (raw) => resetAgentAuth(ctx, schemas["agent.reset-auth"].parse(raw)),
    "agent.reset-auth-many": async (raw) => resetManyAgentsAuth(ctx, schemas["agent.reset-auth-many"].parse(raw)),
    "agent.screen": async (raw) => agentScreen(ctx, schemas["agent.screen"].parse(raw)),
    "agent.logs": async (raw) => agentLogs(ctx, schemas["agent.logs"].parse(raw)),
  };

  return {
    handle: (op, args) => runOperation(ops, op, args),
    async heartbeat() {
      const running = await runtime.listRunning();
      releaseEndedAgents(ctx, new Set([...running, ...starting.keys()]));
      return { agents: running };
    },
    async restore() {
      ports.restoreFrom(file, new Set(await runtime.listRunning()));
      ctx.savePorts();
    },
  };
}

/** Runs one operation; arguments that fail their schema are a validation_error naming each field. */
async function runOperation(ops: Record<string, Operation>, op: string, args: unknown): Promise<unknown> {
  const fn = ops[op];
  if (!fn) throw new ChannelRequestError("unsupported", `this broker does not handle ${op}`);
  try {
    return await fn(args);
  } catch (err) {
    if (err instanceof z.ZodError)
      throw new ChannelRequestError(
        "validation_error",
        err.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "),
      );
    throw err;
  }
}

/**
 * Every heartbeat also returns the ports of agents whose session ended by itself (the harness
 * exited): nothing else would, until the agent's next stop, start or delete.
 */
function releaseEndedAgents({ ports, savePorts }: Context, alive: ReadonlySet<string>): void {
  let released = false;
  for (const agentId of Object.keys(ports.snapshot())) {
    if (alive.has(agentId)) continue;
    ports.release(agentId);
    released = true;
  }
  if (released) savePorts();
}

/** Stop or delete: the runtime acts, then the agent's ports go back to the pool. */
async function endAgent(ctx: Context, agentId: string, act: (id: string) => Promise<void>): Promise<object> {
  await act(agentId);
  ctx.ports.release(agentId);
  ctx.savePorts();
  return {};
}

// The args carry the agent's secrets: nothing here logs them, or puts them in an error.
async function startAgent(ctx: Context, args: StartArgs): Promise<unknown> {
  const { runtime, ports, logger } = ctx;
  if (await runtime.isRunning(args.agentId))
    return { ...ports.describe(ports.snapshot()[args.agentId] ?? []), alreadyRunning: true };
  const h = findHarness(args.harness);
  if (!h) throw new ChannelRequestError("validation_error", `this broker has no harness called ${args.harness}`);
  if (h.kind === "command" && !args.command)
    throw new ChannelRequestError("validation_error", "the generic harness needs a command");
  const hub = args.token ? ctx.hubUrl?.() : undefined;
  if (args.token && !hub) throw new ChannelRequestError("broker_unavailable", "the broker is not connected to a hub");
  const binary = await binaryOf(ctx, h, args.agentId);
  const { argv, resume, workspace } = await prepareAgent(ctx, h, args, binary.bin);
  const allocation = await allocatePorts(ctx, args.agentId);
  const env = agentEnvironment(ctx, args, allocation);
  // A system prompt the harness reads from a file: the variable that points it there.
  if (args.systemPrompt && h.systemPrompt && "env" in h.systemPrompt)
    env[h.systemPrompt.env] = path.posix.join(runtime.harnessView(args.agentId).home, h.systemPrompt.file);
  try {
    await runtime.start({
      agentId: args.agentId,
      argv,
      env,
      ...(hub && { shim: { hubUrl: hub } }),
      ...(binary.binDir && { pathPrefix: [binary.binDir] }),
      mounts: ctx.workspaces.sessionMounts(args.agentId),
      ...(args.image && { image: args.image }),
    });
  } catch (err) {
    ports.release(args.agentId);
    ctx.savePorts();
    throw new ChannelRequestError("start_failed", (err as Error).message);
  }
  ctx.savePorts();
  logger.info({ agentId: args.agentId, ports: allocation.ports, harness: args.harness, resume }, "agent started");
  return workspace ? { ...allocation, workspace } : allocation;
}

/** The harness's binary and its directory: installed on first use here, or from the agent image's PATH. */
async function binaryOf(
  { runtime, installer, emit }: Context,
  h: HarnessDescriptor,
  agentId: string,
): Promise<{ bin?: string; binDir?: string }> {
  if (!h.install && !h.binEnv) return {};
  if (!runtime.installsHarnesses || !installer) return { bin: h.install?.bin ?? h.id };
  try {
    return await installer.resolve(h, (detail) => emit?.("agent.detail", { agentId, detail }));
  } catch (err) {
    throw new ChannelRequestError("start_failed", (err as Error).message);
  }
}

/**
 * Everything before the session starts: the agent's home and token, its workspace (cloned),
 * the harness's config files and credentials; answers the harness's command line. Any failure
 * is a start_failed.
 */
async function prepareAgent(
  ctx: Context,
  h: HarnessDescriptor,
  args: StartArgs,
  bin: string | undefined,
): Promise<{ argv: string[]; resume: boolean; workspace?: { branch: string; baseBranch: string } }> {
  const { runtime, emit } = ctx;
  try {
    await runtime.prepare(args.agentId);
    if (args.token) await runtime.writeToken(args.agentId, args.token);
    const spec = args.workspace ?? (args.gitRemote ? { remote: args.gitRemote } : null);
    const workspace = spec
      ? await ctx.workspaces.prepare(runtime, args.agentId, spec, {
          allowPrivate: args.allowPrivateRemote === true,
          onCloning: () => emit?.("agent.phase", { agentId: args.agentId, phase: "cloning" }),
        })
      : undefined;
    writeHarnessFiles(ctx, h, args);
    const resume = args.resume === true && hasSession(ctx, h, args.agentId);
    const argv = harnessArgv(
      args.harness,
      { bin, task: args.task, command: args.command, model: args.model, resume, systemPrompt: args.systemPrompt },
      { shell: defaultShell() },
    );
    return { argv, resume, ...(workspace?.branch && { workspace }) };
  } catch (err) {
    throw new ChannelRequestError("start_failed", (err as Error).message);
  }
}

/**
 * The template's files (workspace and HOME), then the harness's config files (hooks, model,
 * instructions, system prompt, the harness config's settings merged in) and the agent's
 * credential files, in its HOME: what the hub writes itself comes last, so it wins.
 */
function writeHarnessFiles({ runtime }: Context, h: HarnessDescriptor, args: StartArgs): void {
  const home = runtime.homeOf(args.agentId);
  const view = runtime.harnessView(args.agentId);
  const owner = runtime.fileOwner(args.agentId);
  if (args.files?.length) writeTemplateFiles({ home, workspace: runtime.workspaceOf(args.agentId) }, args.files, owner);
  const hookCommand = h.hooks ? view.hookCommand(h.hooks.dialect) : null;
  if (h.configFiles && hookCommand) {
    const files = h.configFiles({
      home: view.home,
      workspace: view.workspace,
      hookCommand,
      model: args.model ?? null,
      instructions: args.instructions ?? null,
      systemPrompt: args.systemPrompt ?? null,
      // What the harness will see in its environment.
      env: ownEnvironment(args).env,
    });
    writeHarnessConfig(home, withHarnessSettings(h, files, args.harnessSettings), owner);
  } else if (h.instructionsFile && args.instructions) {
    writeHarnessConfig(home, [{ path: h.instructionsFile, content: args.instructions }], owner);
  }
  if (args.credentials?.files.length) writeCredentialFiles(home, args.credentials.files, owner);
}

/** A conversation to resume exists: the descriptor's session directory in HOME is not empty. */
function hasSession({ runtime }: Context, h: HarnessDescriptor, agentId: string): boolean {
  if (!h.sessionDir) return false;
  try {
    return fs.readdirSync(path.join(runtime.homeOf(agentId), h.sessionDir)).length > 0;
  } catch {
    return false;
  }
}

/** The agent's ports, fresh: any it held are released first. An exhausted pool is ports_exhausted. */
async function allocatePorts({ ports, savePorts }: Context, agentId: string): Promise<PortAllocation> {
  ports.release(agentId);
  try {
    return await ports.allocate(agentId);
  } catch (err) {
    savePorts();
    if (err instanceof PortPoolExhaustedError) throw new ChannelRequestError("ports_exhausted", err.message);
    throw err;
  }
}

/**
 * The agent's own environment and its credentials' (credentials win), without the names the
 * broker reserves; `refused` lists the reserved names that were asked for.
 */
function ownEnvironment(args: StartArgs): { env: Record<string, string>; refused: string[] } {
  const env: Record<string, string> = {};
  const refused: string[] = [];
  for (const [k, v] of [...Object.entries(args.env), ...Object.entries(args.credentials?.env ?? {})]) {
    if (RESERVED.test(k)) refused.push(k);
    else env[k] = v;
  }
  return { env, refused };
}

/** The session's environment: the agent's own, then its ports, the shim's log file and every hub URL. */
function agentEnvironment(ctx: Context, args: StartArgs, allocation: PortAllocation): Record<string, string> {
  const { runtime, logger, hubUrls } = ctx;
  const { env, refused } = ownEnvironment(args);
  if (refused.length)
    logger.warn({ agentId: args.agentId, names: refused }, "ignored environment variables with reserved names");
  return Object.assign(
    env,
    ctx.workspaces.sessionEnvironment(runtime, args.agentId),
    portEnvironment(allocation),
    { SCION_AGENT_LOG: path.join(path.dirname(runtime.tokenFileOf(args.agentId)), "shim.log") },
    hubUrls?.length ? { SCION_HUB_URLS: hubUrls.join(",") } : {},
  );
}

async function messageAgent(
  { runtime, logger }: Context,
  args: z.output<(typeof schemas)["agent.message"]>,
): Promise<unknown> {
  if (!(await runtime.isRunning(args.agentId))) throw new ChannelRequestError("conflict", "the agent is not running");
  const h = findHarness(args.harness ?? "");
  if (h?.kind === "assistant") {
    const promptMarker = h.hooks?.events.includes("prompt-submit")
      ? path.join(path.dirname(runtime.tokenFileOf(args.agentId)), PROMPT_MARKER)
      : undefined;
    await submitToAssistant(runtime, args.agentId, args.text, { readyText: h.readyText, promptMarker, logger });
  } else await runtime.sendText(args.agentId, args.text);
  return { delivered: true };
}

/** Interrupt: the harness's own key for "stop this turn" (Escape for Claude Code, C-c for a shell). */
async function interruptAgent(
  { runtime }: Context,
  args: z.output<(typeof schemas)["agent.interrupt"]>,
): Promise<unknown> {
  const h = findHarness(args.harness);
  if (!h) throw new ChannelRequestError("validation_error", `this broker has no harness called ${args.harness}`);
  if (!(await runtime.isRunning(args.agentId))) throw new ChannelRequestError("conflict", "the agent is not running");
  await runtime.sendKeys(args.agentId, [h.interruptKey ?? "C-c"]);
  return { interrupted: true };
}

/**
 * Reset-auth: the new token replaces the file the shim reads, then SIGUSR2 tells the shim to
 * re-read it now. A signal that cannot be sent is a warning: the shim's refresh loop reads the
 * file too. Whether the agent runs is asked only when something failed (it costs a tmux client:
 * reset-auth-all does this for every agent).
 */
async function resetAgentAuth(
  { runtime, logger }: Context,
  args: z.output<(typeof schemas)["agent.reset-auth"]>,
): Promise<unknown> {
  const notRunning = () => new ChannelRequestError("conflict", "the agent is not running");
  try {
    await runtime.writeToken(args.agentId, args.token);
  } catch (err) {
    if (!(await runtime.isRunning(args.agentId))) throw notRunning();
    throw err;
  }
  const signalled = await runtime.signal(args.agentId, "SIGUSR2").catch(() => false);
  if (!signalled && !(await runtime.isRunning(args.agentId))) throw notRunning();
  if (!signalled) logger.warn({ agentId: args.agentId }, "wrote the new token but could not signal the shim");
  return {
    written: true,
    signalled,
    ...(!signalled && {
      warning:
        "the token file was written, but the shim could not be signalled; it picks the token up at its next refresh",
    }),
  };
}

/**
 * Reset-auth for many agents in one call (the hub's reset-auth-all sends its fleet in chunks),
 * `concurrency` at a time: a result per agent, in order; one failing never fails the others.
 */
async function resetManyAgentsAuth(
  ctx: Context,
  args: z.output<(typeof schemas)["agent.reset-auth-many"]>,
): Promise<unknown> {
  const results: unknown[] = new Array(args.items.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < args.items.length; i = next++) {
      const item = args.items[i]!;
      try {
        results[i] = { agentId: item.agentId, ok: true, ...((await resetAgentAuth(ctx, item)) as object) };
      } catch (err) {
        results[i] = { agentId: item.agentId, ok: false, error: (err as Error).message };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(args.concurrency, args.items.length) }, worker));
  return { results };
}

/** The agent's screen, as tmux has it now (plain text unless `ansi`). */
async function agentScreen({ runtime }: Context, args: z.output<(typeof schemas)["agent.screen"]>): Promise<unknown> {
  if (!(await runtime.isRunning(args.agentId))) throw new ChannelRequestError("conflict", "the agent is not running");
  try {
    return await runtime.screen(args.agentId, { ansi: args.ansi });
  } catch (err) {
    // The session ended between the check and the capture.
    if (!(await runtime.isRunning(args.agentId))) throw new ChannelRequestError("conflict", "the agent is not running");
    throw err;
  }
}

/**
 * The shim's log and the harness's output: a tail (the last lines of each), or a follow's next
 * step (what each got after the cursor). Bounded either way (LOG_READ_MAX_BYTES per log); a
 * stopped agent's logs stay readable until it is deleted.
 */
async function agentLogs({ runtime }: Context, args: z.output<(typeof schemas)["agent.logs"]>): Promise<unknown> {
  const files = runtime.logFilesOf(args.agentId);
  if (args.cursor) {
    return {
      shim: readLogSince(files.shim, args.cursor.shim),
      harness: readLogSince(files.harness, args.cursor.harness),
    };
  }
  const tail = args.tail ?? 200;
  return { shim: tailLog(files.shim, tail), harness: tailLog(files.harness, tail) };
}

/** How long typed text must show before Enter: an assistant's TUI takes an Enter that follows text at once as a newline. */
const SETTLE_MS = 500;
const SHOW_TIMEOUT_MS = 3000;
const TYPE_ATTEMPTS = 5;
const SUBMIT_TIMEOUT_MS = 1500;
/** A prompt hook is a process of its own: on a busy machine it takes a few seconds to say so. */
const PROMPT_HOOK_TIMEOUT_MS = 5000;
/** A screen unchanged this long is an assistant done drawing (start-up, a resumed conversation). */
const QUIET_MS = 1000;
const QUIET_TIMEOUT_MS = 10_000;
const READY_TIMEOUT_MS = 30_000;

/**
 * Types a message into an assistant's input and submits it. An assistant that is still starting
 * (just started, or resuming a long conversation) drops keys, or ignores Enter until it is ready,
 * and one that gets Enter right behind a burst of text takes it as part of a paste. So typing
 * waits for the harness's prompt (its descriptor's readyText, at most 30 s) and a quiet screen
 * (a second without change, at most 10 s), the text is typed, typed
 * again if none of it showed up, and Enter follows once it shows and the screen
 * has had a moment; an Enter the harness did not take is pressed again (Enter in an empty input
 * does nothing in any of the assistants). Taken means the harness's prompt hook fired (the shim
 * rewrites the prompt marker next to the token file); without prompt hooks, that the screen changed.
 */
export async function submitToAssistant(
  runtime: AgentRuntime,
  agentId: string,
  text: string,
  opts: { readyText?: string; promptMarker?: string; logger?: Logger } = {},
): Promise<void> {
  const { readyText, promptMarker, logger } = opts;
  const markerTime = () => (promptMarker ? (fs.statSync(promptMarker, { throwIfNoEntry: false })?.mtimeMs ?? 0) : 0);
  const began = Date.now();
  const squash = (s: string) => s.replace(/\s+/g, "");
  const screen = () => runtime.capture(agentId).catch(() => "");
  // The text's start, counted on the screen before and after typing: a transcript may show it already.
  const probe = squash(text).slice(0, 12);
  const count = async () => squash(await screen()).split(probe).length - 1;
  // Wait until it shows its prompt and has finished drawing: a starting assistant drops keys, or
  // clears its input once it has loaded a resumed conversation. A blank screen is quiet too.
  const ready = readyText
    ? await waitFor(async () => (await screen()).includes(readyText), READY_TIMEOUT_MS, 200)
    : true;
  let last = await screen();
  let since = Date.now();
  const deadline = Date.now() + QUIET_TIMEOUT_MS;
  while (Date.now() - since < QUIET_MS && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 150));
    const now = await screen();
    if (now !== last) [last, since] = [now, Date.now()];
  }
  const quietAfterMs = Date.now() - began;
  const before = await count();
  let typed = 0;
  let shown = !probe;
  while (!shown && typed < TYPE_ATTEMPTS) {
    await runtime.typeText(agentId, text);
    typed++;
    shown = await waitFor(async () => (await count()) > before, SHOW_TIMEOUT_MS, 100);
  }
  if (!probe) await runtime.typeText(agentId, text);
  let enters = 0;
  let taken = false;
  while (!taken && enters < 3) {
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    const prior = await screen();
    const priorMark = markerTime();
    await runtime.sendKeys(agentId, ["Enter"]);
    enters++;
    // The harness's prompt hook says for sure; without one, a screen that changed is the best sign.
    taken = promptMarker
      ? await waitFor(async () => markerTime() !== priorMark, PROMPT_HOOK_TIMEOUT_MS, 100)
      : await waitFor(async () => (await screen()) !== prior, SUBMIT_TIMEOUT_MS, 100);
  }
  logger?.debug(
    { agentId, ready, quietAfterMs, typed, shown, enters, taken, ms: Date.now() - began },
    "typed a message into an assistant",
  );
}

/** The login shell for the shell harness: the broker user's, else bash. */
export function defaultShell(): string {
  return process.env.SHELL || (os.platform() === "darwin" ? "/bin/zsh" : "/bin/bash");
}
