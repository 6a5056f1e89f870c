-- AlterTable
ALTER TABLE "audit_events" ADD COLUMN     "result" TEXT NOT NULL DEFAULT 'ok';

-- CreateIndex
CREATE INDEX "audit_events_principal_createdAt_idx" ON "audit_events"("principal", "createdAt");
