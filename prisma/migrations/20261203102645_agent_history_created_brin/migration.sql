-- CreateIndex
CREATE INDEX "agent_state_changes_createdAt_idx" ON "agent_state_changes" USING BRIN ("createdAt");
