import { z } from "zod";
import { recordAudit } from "../audit/record-audit";
import { principalId, type Principal } from "../auth/principal";
import type { MaintenanceRun } from "../db/generated/client";
import { ApiError } from "../http/api-error";
import type { HubRuntime } from "../runtime/hub-runtime";
import type { MaintenanceOperationSpec } from "./operation-spec";
import { findOperation } from "./operations";

export interface MaintenanceRunJson {
  id: string;
  operationKey: string;
  status: "running" | "completed" | "failed" | "aborted";
  params: unknown;
  progress: unknown;
  result: unknown;
  startedBy: string | null;
  /** The person who started it, by name or email (absent where the hub did not look it up). */
  startedByName?: string | null;
  startedAt: string;
  completedAt: string | null;
  abortRequested: boolean;
  log?: string;
}

export function toRunJson(
  run: MaintenanceRun,
  withLog = false,
  names?: ReadonlyMap<string, string>,
): MaintenanceRunJson {
  return {
    id: run.id,
    operationKey: run.operationKey,
    status: run.status,
    params: run.params,
    progress: run.progress,
    result: run.result,
    startedBy: run.startedBy,
    ...(names && { startedByName: (run.startedBy && names.get(run.startedBy)) ?? null }),
    startedAt: run.startedAt.toISOString(),
    completedAt: run.completedAt?.toISOString() ?? null,
    abortRequested: run.abortRequested,
    ...(withLog && { log: run.log }),
  };
}

const FLUSH_MS = 500;

/**
 * Starts a maintenance operation as a run: validates its parameters (400 before anything is
 * written), records the run and its audit event, and runs it in the background. The log is
 * appended to the run every half second, every line and progress report is an event on
 * `maintenance.run.<id>.progress`, and the end is `maintenance.run.<id>.done`. An abort (from
 * any replica) is seen within half a second and stops the operation between steps. Returns the
 * run as recorded and a promise of its final state.
 */
export async function startMaintenanceRun(
  runtime: HubRuntime,
  principal: Principal,
  key: string,
  rawParams: unknown,
  requestId?: string,
): Promise<{ run: MaintenanceRunJson; finished: Promise<MaintenanceRunJson> }> {
  const operation = findOperation(key);
  if (!operation) throw new ApiError("not_found", "No such maintenance operation.");
  const parsed = operation.schema.safeParse(rawParams ?? {});
  if (!parsed.success)
    throw new ApiError(
      "validation_error",
      "Invalid parameters.",
      parsed.error.issues.map((i) => ({ path: ["params", ...i.path].join("."), message: i.message })),
    );
  const actor = principalId(principal);
  await ensureOperationRow(runtime, operation);
  const run = await runtime.prisma.$transaction(async (tx) => {
    const created = await tx.maintenanceRun.create({
      data: { operationKey: key, params: parsed.data as object, startedBy: actor, hubId: runtime.hubId },
    });
    await recordAudit(tx, {
      principal: actor,
      action: "maintenance.run",
      targetType: "maintenance_run",
      targetId: created.id,
      details: { operation: key, params: parsed.data as object },
      requestId,
    });
    return created;
  });
  await runtime.events
    .publish({
      subject: `maintenance.run.${run.id}.progress`,
      data: { runId: run.id, operationKey: key, status: "running", progress: {} },
    })
    .catch(() => undefined);
  return { run: toRunJson(run), finished: execute(runtime, principal, operation, run, parsed.data, requestId) };
}

async function execute(
  runtime: HubRuntime,
  principal: Principal,
  operation: MaintenanceOperationSpec,
  run: MaintenanceRun,
  params: Record<string, unknown>,
  requestId?: string,
): Promise<MaintenanceRunJson> {
  const { prisma, events, logger } = runtime;
  let pending: string[] = [];
  let progress: Record<string, unknown> = {};
  let aborted = false;
  const write = async () => {
    const lines = pending;
    pending = [];
    if (lines.length === 0) return;
    await prisma.$executeRaw`UPDATE maintenance_runs SET log = CASE WHEN log = '' THEN ${lines.join("\n")} ELSE log || E'\\n' || ${lines.join("\n")} END, progress = ${JSON.stringify(progress)}::jsonb WHERE id = ${run.id}::uuid`;
  };
  // One write at a time, in order: a periodic write still on its way must not land after the
  // final one and put back an older progress (a completed run showing "1 of 2 agents").
  let writing: Promise<void> = Promise.resolve();
  const flush = () => (writing = writing.catch(() => undefined).then(write));
  const ticker = setInterval(() => {
    void flush().catch((err: unknown) => logger.warn({ err, runId: run.id }, "writing a maintenance log failed"));
    void prisma.maintenanceRun
      .findUnique({ where: { id: run.id }, select: { abortRequested: true } })
      .then((r) => (aborted ||= r?.abortRequested === true))
      .catch(() => undefined);
  }, FLUSH_MS);
  const publish = (data: Record<string, unknown>) =>
    void events
      .publish({
        subject: `maintenance.run.${run.id}.progress`,
        data: { runId: run.id, operationKey: run.operationKey, status: "running", ...data },
      })
      .catch(() => undefined);
  let status: MaintenanceRunJson["status"] = "completed";
  let result: unknown;
  try {
    result = await operation.run(
      {
        runtime,
        principal,
        requestId,
        log: (line) => {
          const stamped = `${new Date().toISOString()} ${line}`;
          pending.push(stamped);
          publish({ progress, line: stamped });
        },
        progress: (p) => {
          progress = p;
          publish({ progress });
        },
        isAborted: () => aborted || runtime.abortedRuns.has(run.id),
      },
      params,
    );
    if (aborted || runtime.abortedRuns.has(run.id)) status = "aborted";
  } catch (err) {
    status = "failed";
    result = { error: (err as Error).message };
    pending.push(`${new Date().toISOString()} failed: ${(err as Error).message}`);
    logger.warn({ err, runId: run.id, operation: operation.key }, "a maintenance operation failed");
  } finally {
    clearInterval(ticker);
    if (runtime.abortedRuns.delete(run.id)) aborted = true;
  }
  await flush();
  const done = await prisma.maintenanceRun.update({
    where: { id: run.id },
    data: { status, completedAt: new Date(), progress: progress as object, result: (result ?? null) as object },
  });
  await events
    .publish({
      subject: `maintenance.run.${run.id}.done`,
      data: { runId: run.id, operationKey: run.operationKey, status, progress, result },
    })
    .catch(() => undefined);
  return toRunJson(done, true);
}

async function ensureOperationRow(runtime: HubRuntime, op: MaintenanceOperationSpec): Promise<void> {
  const row = {
    title: op.title,
    description: op.description,
    category: op.category,
    params: op.params as unknown as object,
  };
  await runtime.prisma.maintenanceOperation.upsert({
    where: { key: op.key },
    create: { key: op.key, ...row },
    update: row,
  });
}

/** POST …/runs/{id}/abort: asks a running run to stop; it stops between steps. */
export async function abortMaintenanceRun(
  runtime: HubRuntime,
  principal: Principal,
  runId: string,
  requestId?: string,
): Promise<MaintenanceRunJson> {
  const id = z.uuid().safeParse(runId);
  if (!id.success) throw new ApiError("not_found", "No such run.");
  return runtime.prisma.$transaction(async (tx) => {
    const run = await tx.maintenanceRun.findUnique({ where: { id: id.data } });
    if (!run) throw new ApiError("not_found", "No such run.");
    if (run.status !== "running")
      throw new ApiError("conflict", `The run has already ${run.status === "aborted" ? "been aborted" : run.status}.`);
    const updated = await tx.maintenanceRun.update({ where: { id: run.id }, data: { abortRequested: true } });
    // A run on this replica sees it at once; one on another replica within half a second.
    runtime.abortedRuns.add(run.id);
    await recordAudit(tx, {
      principal: principalId(principal),
      action: "maintenance.abort",
      targetType: "maintenance_run",
      targetId: run.id,
      requestId,
    });
    return toRunJson(updated);
  });
}
