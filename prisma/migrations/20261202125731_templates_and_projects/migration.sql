-- CreateEnum
CREATE TYPE "project_visibility" AS ENUM ('hub', 'members');

-- CreateEnum
CREATE TYPE "config_scope" AS ENUM ('hub', 'project', 'user');

-- CreateEnum
CREATE TYPE "project_member_role" AS ENUM ('member', 'manager');

-- AlterTable
ALTER TABLE "projects" ADD COLUMN     "defaultBranch" TEXT,
ADD COLUMN     "defaultTemplateId" UUID,
ADD COLUMN     "env" JSONB NOT NULL DEFAULT '{}',
ADD COLUMN     "gitTokenSecret" TEXT,
ADD COLUMN     "visibility" "project_visibility" NOT NULL DEFAULT 'hub';

-- AlterTable
ALTER TABLE "agents" ADD COLUMN     "baseBranch" TEXT,
ADD COLUMN     "branch" TEXT,
ADD COLUMN     "templateSnapshot" JSONB;

-- CreateTable
CREATE TABLE "project_members" (
    "projectId" UUID NOT NULL,
    "userId" UUID NOT NULL,
    "role" "project_member_role" NOT NULL DEFAULT 'member',
    "addedBy" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "project_members_pkey" PRIMARY KEY ("projectId","userId")
);

-- CreateTable
CREATE TABLE "harness_configs" (
    "id" UUID NOT NULL,
    "slug" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT,
    "scope" "config_scope" NOT NULL,
    "projectId" UUID,
    "userId" UUID,
    "harness" TEXT NOT NULL,
    "model" TEXT,
    "authType" TEXT,
    "settings" JSONB NOT NULL DEFAULT '{}',
    "env" JSONB NOT NULL DEFAULT '{}',
    "builtIn" BOOLEAN NOT NULL DEFAULT false,
    "createdBy" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "harness_configs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "templates" (
    "id" UUID NOT NULL,
    "slug" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT,
    "scope" "config_scope" NOT NULL,
    "projectId" UUID,
    "userId" UUID,
    "harnessConfigId" UUID,
    "harness" TEXT,
    "model" TEXT,
    "task" TEXT,
    "instructions" TEXT,
    "systemPrompt" TEXT,
    "env" JSONB NOT NULL DEFAULT '{}',
    "secrets" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "limits" JSONB NOT NULL DEFAULT '{}',
    "image" TEXT,
    "files" JSONB NOT NULL DEFAULT '[]',
    "builtIn" BOOLEAN NOT NULL DEFAULT false,
    "createdBy" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "templates_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "project_members_userId_idx" ON "project_members"("userId");

-- CreateIndex
CREATE INDEX "harness_configs_scope_projectId_userId_idx" ON "harness_configs"("scope", "projectId", "userId");

-- CreateIndex
CREATE INDEX "templates_scope_projectId_userId_idx" ON "templates"("scope", "projectId", "userId");

-- AddForeignKey
ALTER TABLE "projects" ADD CONSTRAINT "projects_defaultTemplateId_fkey" FOREIGN KEY ("defaultTemplateId") REFERENCES "templates"("id") ON DELETE NO ACTION ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "project_members" ADD CONSTRAINT "project_members_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "project_members" ADD CONSTRAINT "project_members_userId_fkey" FOREIGN KEY ("userId") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "harness_configs" ADD CONSTRAINT "harness_configs_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "harness_configs" ADD CONSTRAINT "harness_configs_userId_fkey" FOREIGN KEY ("userId") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "templates" ADD CONSTRAINT "templates_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "templates" ADD CONSTRAINT "templates_userId_fkey" FOREIGN KEY ("userId") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "templates" ADD CONSTRAINT "templates_harnessConfigId_fkey" FOREIGN KEY ("harnessConfigId") REFERENCES "harness_configs"("id") ON DELETE NO ACTION ON UPDATE CASCADE;

-- Slugs are unique within a scope and its project or owner (Postgres treats NULLs as distinct,
-- so the index is over the coalesced keys).
CREATE UNIQUE INDEX "harness_configs_scope_owner_slug_key" ON "harness_configs"("scope", COALESCE("projectId", '00000000-0000-0000-0000-000000000000'::uuid), COALESCE("userId", '00000000-0000-0000-0000-000000000000'::uuid), "slug");
CREATE UNIQUE INDEX "templates_scope_owner_slug_key" ON "templates"("scope", COALESCE("projectId", '00000000-0000-0000-0000-000000000000'::uuid), COALESCE("userId", '00000000-0000-0000-0000-000000000000'::uuid), "slug");

-- hub: neither project nor owner; project: the project only; user: the owner only.
ALTER TABLE "harness_configs" ADD CONSTRAINT "harness_configs_scope_owner_check" CHECK (
  ("scope" = 'hub' AND "projectId" IS NULL AND "userId" IS NULL) OR
  ("scope" = 'project' AND "projectId" IS NOT NULL AND "userId" IS NULL) OR
  ("scope" = 'user' AND "userId" IS NOT NULL AND "projectId" IS NULL)
);
ALTER TABLE "templates" ADD CONSTRAINT "templates_scope_owner_check" CHECK (
  ("scope" = 'hub' AND "projectId" IS NULL AND "userId" IS NULL) OR
  ("scope" = 'project' AND "projectId" IS NOT NULL AND "userId" IS NULL) OR
  ("scope" = 'user' AND "userId" IS NOT NULL AND "projectId" IS NULL)
);
ALTER TABLE "templates" ADD CONSTRAINT "templates_harness_check" CHECK ("harnessConfigId" IS NOT NULL OR "harness" IS NOT NULL);
