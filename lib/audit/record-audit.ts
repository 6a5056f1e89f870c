import type { Prisma } from "../db/generated/client";

export interface AuditEntry {
  /** `user:<id>`, `agent:<id>`, `broker:<id>` or `system`. */
  principal: string;
  action: string;
  targetType: string;
  targetId?: string | null;
  /** "ok" (the default) or the error code of a refused mutation. */
  result?: string;
  details?: Prisma.InputJsonValue;
  requestId?: string;
}

type AuditWriter = {
  auditEvent: { create: (args: { data: Prisma.AuditEventUncheckedCreateInput }) => Promise<unknown> };
};

/**
 * Writes one audit row. Call it inside the mutation's transaction so the record exists exactly
 * when the change does.
 */
export async function recordAudit(tx: AuditWriter, entry: AuditEntry): Promise<void> {
  await tx.auditEvent.create({
    data: {
      principal: entry.principal,
      action: entry.action,
      targetType: entry.targetType,
      targetId: entry.targetId ?? null,
      result: entry.result ?? "ok",
      details: entry.details ?? {},
      requestId: entry.requestId ?? null,
    },
  });
}
