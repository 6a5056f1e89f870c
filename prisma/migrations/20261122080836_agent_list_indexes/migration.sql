-- DropIndex
DROP INDEX "agents_ownerId_idx";

-- DropIndex
DROP INDEX "agents_phase_idx";

-- DropIndex
DROP INDEX "agents_updatedAt_idx";

-- CreateIndex
CREATE INDEX "agents_ownerId_createdAt_id_idx" ON "agents"("ownerId", "createdAt", "id");

-- CreateIndex
CREATE INDEX "agents_phase_id_idx" ON "agents"("phase", "id");

-- CreateIndex
CREATE INDEX "agents_createdAt_id_idx" ON "agents"("createdAt", "id");

-- CreateIndex
CREATE INDEX "agents_updatedAt_id_idx" ON "agents"("updatedAt", "id");

-- CreateIndex
CREATE INDEX "agents_name_id_idx" ON "agents"("name", "id");

-- CreateIndex
CREATE INDEX "agents_projectId_createdAt_id_idx" ON "agents"("projectId", "createdAt", "id");
