import type { PrismaClient } from "../db/create-database";
import type { Logger } from "../log/create-logger";
import { BUILT_IN_HARNESS_CONFIGS, BUILT_IN_TEMPLATES } from "./built-ins";

/** createdBy of what the hub ships. */
const SYSTEM = "system";

/**
 * Puts the built-in harness configs and templates in place, at every boot and on every replica:
 * each is inserted unless its slug exists in the hub scope (ON CONFLICT DO NOTHING against the
 * unique index, so replicas booting together cannot duplicate them), and an existing built-in is
 * brought up to this version's text. A hub-scope row that someone created under the same slug
 * first is left alone.
 */
export async function seedBuiltIns(prisma: PrismaClient, logger: Logger): Promise<void> {
  // One read each finds what is already in place (every start but the first), so a start writes
  // nothing and asks nothing more unless a built-in is missing or changed.
  const [configRows, templateRows] = await Promise.all([
    prisma.harnessConfig.findMany({
      where: { scope: "hub", slug: { in: BUILT_IN_HARNESS_CONFIGS.map((d) => d.slug) } },
    }),
    prisma.template.findMany({ where: { scope: "hub", slug: { in: BUILT_IN_TEMPLATES.map((d) => d.slug) } } }),
  ]);
  const configIds = new Map<string, string>();
  for (const def of BUILT_IN_HARNESS_CONFIGS) {
    const wanted = { name: def.name, description: def.description, harness: def.harness };
    const row = await foundOrInserted(
      configRows.find((r) => r.slug === def.slug),
      () =>
        prisma.harnessConfig.createMany({
          data: [{ scope: "hub", slug: def.slug, ...wanted, builtIn: true, createdBy: SYSTEM }],
          skipDuplicates: true,
        }),
      () => prisma.harnessConfig.findFirst({ where: { scope: "hub", slug: def.slug } }),
    );
    if (!row?.builtIn) {
      logger.warn({ slug: def.slug }, "a hub harness config has a built-in's slug; the built-in is not installed");
      continue;
    }
    configIds.set(def.slug, row.id);
    if (row.name !== wanted.name || row.description !== wanted.description || row.harness !== wanted.harness)
      await prisma.harnessConfig.update({ where: { id: row.id }, data: wanted });
  }
  for (const def of BUILT_IN_TEMPLATES) {
    const harnessConfigId = configIds.get(def.harnessConfig) ?? null;
    const wanted = {
      name: def.name,
      description: def.description,
      harnessConfigId,
      harness: harnessConfigId ? null : def.harness,
      instructions: def.instructions,
    };
    const row = await foundOrInserted(
      templateRows.find((r) => r.slug === def.slug),
      () =>
        prisma.template.createMany({
          data: [{ scope: "hub", slug: def.slug, ...wanted, builtIn: true, createdBy: SYSTEM }],
          skipDuplicates: true,
        }),
      () => prisma.template.findFirst({ where: { scope: "hub", slug: def.slug } }),
    );
    if (!row?.builtIn) {
      logger.warn({ slug: def.slug }, "a hub template has a built-in's slug; the built-in is not installed");
      continue;
    }
    const stale = (Object.keys(wanted) as Array<keyof typeof wanted>).some((k) => row[k] !== wanted[k]);
    if (stale) await prisma.template.update({ where: { id: row.id }, data: wanted });
  }
}

/**
 * The row already read, or else the one in place after an insert that skips a duplicate (another
 * replica booting at the same moment may have inserted it first).
 */
async function foundOrInserted<Row>(
  found: Row | undefined,
  insert: () => Promise<unknown>,
  read: () => Promise<Row | null>,
): Promise<Row | undefined> {
  if (found) return found;
  await insert();
  return (await read()) ?? undefined;
}
