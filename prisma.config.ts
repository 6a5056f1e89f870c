// Prisma CLI configuration. The JS engine with the pg adapter keeps every Prisma command
// offline (no schema-engine download). The hub itself never runs `prisma migrate`: it applies
// prisma/migrations at boot (lib/db/migrate.ts).
import { defineConfig } from "prisma/config";
import { PrismaPg } from "@prisma/adapter-pg";

// Without a DATABASE_URL the CLI cannot read the datasource and falls back to downloading a
// query engine; generate and migrate diff never connect, so any well-formed URL will do.
process.env.DATABASE_URL ??= "postgresql://localhost:5432/scion";

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  experimental: { adapter: true },
  engine: "js",
  adapter: async () =>
    // A short idle timeout lets the CLI exit as soon as it is done instead of after pg's 10 s.
    new PrismaPg({ connectionString: process.env.DATABASE_URL, idleTimeoutMillis: 100 }),
});
