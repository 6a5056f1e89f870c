import { z } from "zod";
import type { PrismaClient } from "../db/create-database";
import { HARNESS_DESCRIPTORS } from "./registry";
import type { HarnessDescriptor } from "./types";

export const harnessBrokerSchema = z.object({
  brokerId: z.uuid(),
  name: z.string(),
  available: z.boolean(),
  version: z.string().nullable(),
});

export const harnessSchema = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.enum(["assistant", "shell", "command"]),
  authTypes: z.array(
    z.object({
      type: z.string(),
      label: z.string(),
      requiredEnv: z.array(z.string()),
      requiredFiles: z.array(z.string()),
    }),
  ),
  modelChoice: z.string().optional(),
  brokers: z.array(harnessBrokerSchema),
});

export type HarnessJson = z.infer<typeof harnessSchema>;
export type HarnessBrokerJson = z.infer<typeof harnessBrokerSchema>;

/** What a broker last reported about one harness (capabilities.harnessStatus, written by the hub). */
const statusEntry = z.object({ available: z.boolean(), version: z.string().nullable().optional() }).loose();
const capabilitiesShape = z
  .object({
    harnesses: z.array(z.string()).optional().catch(undefined),
    harnessStatus: z.record(z.string(), z.unknown()).optional().catch(undefined),
  })
  .loose()
  .catch({});

/**
 * GET /api/v1/harnesses: every harness this build knows, with its auth types and, per broker,
 * whether it can run there and at which version. A broker's own report wins; a broker that has
 * not reported a harness yet can run the shell and a command when it lists them, never an
 * assistant (that needs an installed CLI it has not told us about).
 */
export async function listHarnesses(prisma: PrismaClient): Promise<{ items: HarnessJson[] }> {
  const brokers = await prisma.runtimeBroker.findMany({
    orderBy: [{ name: "asc" }, { id: "asc" }],
    select: { id: true, name: true, capabilities: true },
  });
  const parsed = brokers.map((b) => ({ ...b, caps: capabilitiesShape.parse(b.capabilities ?? {}) }));
  return {
    items: HARNESS_DESCRIPTORS.map((h) => ({
      id: h.id,
      name: h.name,
      kind: h.kind,
      authTypes: h.authTypes.map((a) => ({
        type: a.type,
        label: a.label,
        requiredEnv: [...a.requiredEnv],
        requiredFiles: [...a.requiredFiles],
      })),
      ...(h.modelChoice && { modelChoice: h.modelChoice }),
      brokers: parsed.map((b) => ({ brokerId: b.id, name: b.name, ...availability(h, b.caps) })),
    })),
  };
}

function availability(
  h: HarnessDescriptor,
  caps: z.output<typeof capabilitiesShape>,
): { available: boolean; version: string | null } {
  const reported = statusEntry.safeParse(caps.harnessStatus?.[h.id]);
  if (reported.success) return { available: reported.data.available, version: reported.data.version ?? null };
  return { available: h.kind !== "assistant" && (caps.harnesses ?? []).includes(h.id), version: null };
}
