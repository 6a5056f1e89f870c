-- CreateEnum
CREATE TYPE "SecretScope" AS ENUM ('user', 'project', 'hub');

-- CreateEnum
CREATE TYPE "SecretTarget" AS ENUM ('env', 'file');

-- AlterTable
ALTER TABLE "agents" ADD COLUMN     "lastOutput" TEXT,
ADD COLUMN     "limits" JSONB NOT NULL DEFAULT '{}',
ADD COLUMN     "model" TEXT,
ADD COLUMN     "sessionStartedAt" TIMESTAMPTZ(3),
ADD COLUMN     "templateId" UUID,
ADD COLUMN     "turnCount" INTEGER NOT NULL DEFAULT 0;

-- CreateTable
CREATE TABLE "secrets" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "scope" "SecretScope" NOT NULL,
    "userId" UUID,
    "projectId" UUID,
    "target" "SecretTarget" NOT NULL DEFAULT 'env',
    "path" TEXT,
    "valueSealed" TEXT NOT NULL,
    "createdBy" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "secrets_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "secrets_scope_userId_projectId_idx" ON "secrets"("scope", "userId", "projectId");

-- AddForeignKey
ALTER TABLE "secrets" ADD CONSTRAINT "secrets_userId_fkey" FOREIGN KEY ("userId") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "secrets" ADD CONSTRAINT "secrets_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- One secret per (scope, owner, project, name): NULLs are distinct in a plain unique index.
CREATE UNIQUE INDEX "secrets_scope_owner_name_key" ON "secrets"("scope", COALESCE("userId", '00000000-0000-0000-0000-000000000000'::uuid), COALESCE("projectId", '00000000-0000-0000-0000-000000000000'::uuid), "name");

-- A secret names exactly the owner its scope needs.
ALTER TABLE "secrets" ADD CONSTRAINT "secrets_scope_owner_check" CHECK (
  ("scope" = 'user' AND "userId" IS NOT NULL AND "projectId" IS NULL) OR
  ("scope" = 'project' AND "projectId" IS NOT NULL AND "userId" IS NULL) OR
  ("scope" = 'hub' AND "userId" IS NULL AND "projectId" IS NULL)
);
ALTER TABLE "secrets" ADD CONSTRAINT "secrets_file_path_check" CHECK (("target" = 'file') = ("path" IS NOT NULL));
