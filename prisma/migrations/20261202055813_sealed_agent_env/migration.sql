-- An agent's env map is sealed at rest (AES-256-GCM under a key derived from SESSION_SECRET).
-- SQL cannot seal (the database never sees the secret), so existing maps move aside into
-- "legacyEnv" and the hub seals them into "envSealed" at boot, before it serves a request
-- (lib/agents/seal-legacy-agent-env.ts). Empty maps need nothing.
ALTER TABLE "agents" RENAME COLUMN "env" TO "legacyEnv";
ALTER TABLE "agents" ALTER COLUMN "legacyEnv" DROP DEFAULT, ALTER COLUMN "legacyEnv" DROP NOT NULL;
UPDATE "agents" SET "legacyEnv" = NULL WHERE "legacyEnv" = '{}'::jsonb OR jsonb_typeof("legacyEnv") <> 'object';
ALTER TABLE "agents" ADD COLUMN "envSealed" TEXT;

-- Dispatch intents that have finished keep no arguments: a start carries the agent's env and token.
UPDATE "broker_dispatches" SET "args" = '{}'::jsonb WHERE "state" IN ('done', 'failed') AND "args" <> '{}'::jsonb;
