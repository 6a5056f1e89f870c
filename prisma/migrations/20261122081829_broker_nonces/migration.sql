-- CreateTable
CREATE TABLE "broker_nonces" (
    "nonce" TEXT NOT NULL,
    "brokerId" UUID NOT NULL,
    "expiresAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "broker_nonces_pkey" PRIMARY KEY ("nonce")
);

-- CreateIndex
CREATE INDEX "broker_nonces_expiresAt_idx" ON "broker_nonces"("expiresAt");
