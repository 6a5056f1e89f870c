import pkg from "../../package.json";
import type { PrismaClient } from "../db/create-database";

export interface VersionInfo {
  name: string;
  version: string;
  /** The newest migration the database has applied: clients can tell which schema they face. */
  schema: string | null;
}

/** Product version and database schema version (GET /api/v1/version). */
export async function getVersionInfo(prisma: PrismaClient): Promise<VersionInfo> {
  const rows = await prisma.$queryRaw<Array<{ migration_name: string }>>`
    SELECT migration_name FROM "_prisma_migrations"
    WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL
    ORDER BY migration_name DESC LIMIT 1`;
  return { name: "scion-hub", version: pkg.version, schema: rows[0]?.migration_name ?? null };
}
