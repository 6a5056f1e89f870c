-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "UserRole" AS ENUM ('admin', 'member');

-- CreateEnum
CREATE TYPE "UserStatus" AS ENUM ('active', 'suspended');

-- CreateEnum
CREATE TYPE "AgentPhase" AS ENUM ('created', 'provisioning', 'cloning', 'starting', 'running', 'stopping', 'stopped', 'error');

-- CreateEnum
CREATE TYPE "AgentActivity" AS ENUM ('idle', 'thinking', 'executing', 'waiting_for_input', 'blocked', 'completed', 'limits_exceeded', 'stalled', 'offline');

-- CreateEnum
CREATE TYPE "BrokerStatus" AS ENUM ('pending', 'online', 'offline');

-- CreateEnum
CREATE TYPE "DispatchState" AS ENUM ('pending', 'claimed', 'done', 'failed');

-- CreateEnum
CREATE TYPE "MessageDispatchState" AS ENUM ('pending', 'delivered', 'failed');

-- CreateEnum
CREATE TYPE "MaintenanceRunStatus" AS ENUM ('running', 'completed', 'failed', 'aborted');

-- CreateTable
CREATE TABLE "users" (
    "id" UUID NOT NULL,
    "email" TEXT NOT NULL,
    "name" TEXT,
    "avatarUrl" TEXT,
    "role" "UserRole" NOT NULL DEFAULT 'member',
    "status" "UserStatus" NOT NULL DEFAULT 'active',
    "preferences" JSONB NOT NULL DEFAULT '{}',
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,
    "lastLoginAt" TIMESTAMPTZ(3),
    "lastSeenAt" TIMESTAMPTZ(3),

    CONSTRAINT "users_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "api_tokens" (
    "id" UUID NOT NULL,
    "userId" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "scopes" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "expiresAt" TIMESTAMPTZ(3),
    "revokedAt" TIMESTAMPTZ(3),
    "lastUsedAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "api_tokens_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "allow_list_entries" (
    "id" UUID NOT NULL,
    "email" TEXT NOT NULL,
    "note" TEXT,
    "createdBy" UUID,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "allow_list_entries_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "projects" (
    "id" UUID NOT NULL,
    "slug" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "gitRemote" TEXT,
    "defaultBrokerId" UUID,
    "labels" JSONB NOT NULL DEFAULT '{}',
    "createdById" UUID,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "projects_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "runtime_brokers" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "slug" TEXT NOT NULL,
    "hostname" TEXT,
    "status" "BrokerStatus" NOT NULL DEFAULT 'pending',
    "capabilities" JSONB NOT NULL DEFAULT '{}',
    "brokerVersion" TEXT,
    "connectedHubId" TEXT,
    "connectedSessionId" TEXT,
    "connectedAt" TIMESTAMPTZ(3),
    "lastHeartbeat" TIMESTAMPTZ(3),
    "version" INTEGER NOT NULL DEFAULT 0,
    "portRangeStart" INTEGER NOT NULL DEFAULT 8000,
    "portRangeEnd" INTEGER NOT NULL DEFAULT 9000,
    "portsPerAgent" INTEGER NOT NULL DEFAULT 2,
    "hostUrl" TEXT,
    "createdById" UUID,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "runtime_brokers_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "broker_secrets" (
    "id" UUID NOT NULL,
    "brokerId" UUID NOT NULL,
    "secret" TEXT NOT NULL,
    "algorithm" TEXT NOT NULL DEFAULT 'hmac-sha256',
    "status" TEXT NOT NULL DEFAULT 'active',
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "rotatedAt" TIMESTAMPTZ(3),

    CONSTRAINT "broker_secrets_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "broker_join_tokens" (
    "id" UUID NOT NULL,
    "brokerId" UUID NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "expiresAt" TIMESTAMPTZ(3) NOT NULL,
    "usedAt" TIMESTAMPTZ(3),
    "createdById" UUID,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "broker_join_tokens_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "agents" (
    "id" UUID NOT NULL,
    "slug" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "projectId" UUID NOT NULL,
    "brokerId" UUID,
    "harness" TEXT NOT NULL DEFAULT 'shell',
    "command" TEXT,
    "task" TEXT,
    "env" JSONB NOT NULL DEFAULT '{}',
    "phase" "AgentPhase" NOT NULL DEFAULT 'created',
    "activity" "AgentActivity",
    "detail" TEXT,
    "previousActivity" "AgentActivity",
    "stateVersion" INTEGER NOT NULL DEFAULT 0,
    "tokenVersion" INTEGER NOT NULL DEFAULT 0,
    "createdBy" TEXT NOT NULL,
    "ownerId" TEXT NOT NULL,
    "ports" JSONB NOT NULL DEFAULT '{}',
    "urls" JSONB NOT NULL DEFAULT '{}',
    "lastSeen" TIMESTAMPTZ(3),
    "lastActivityAt" TIMESTAMPTZ(3),
    "startedAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "agents_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "agent_state_changes" (
    "id" UUID NOT NULL,
    "agentId" UUID NOT NULL,
    "phase" "AgentPhase" NOT NULL,
    "activity" "AgentActivity",
    "detail" TEXT,
    "actor" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "agent_state_changes_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "messages" (
    "id" UUID NOT NULL,
    "agentId" UUID NOT NULL,
    "channel" TEXT NOT NULL DEFAULT 'web',
    "threadId" TEXT,
    "sender" TEXT NOT NULL,
    "direction" TEXT NOT NULL DEFAULT 'to_agent',
    "body" TEXT NOT NULL,
    "dispatchState" "MessageDispatchState" NOT NULL DEFAULT 'pending',
    "dispatchedAt" TIMESTAMPTZ(3),
    "error" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "messages_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "broker_dispatches" (
    "id" UUID NOT NULL,
    "brokerId" UUID NOT NULL,
    "agentId" UUID,
    "op" TEXT NOT NULL,
    "args" JSONB NOT NULL DEFAULT '{}',
    "state" "DispatchState" NOT NULL DEFAULT 'pending',
    "claimedBy" TEXT,
    "claimedAt" TIMESTAMPTZ(3),
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "result" JSONB,
    "error" TEXT,
    "deadlineAt" TIMESTAMPTZ(3) NOT NULL,
    "createdBy" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "broker_dispatches_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "maintenance_operations" (
    "id" UUID NOT NULL,
    "key" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "description" TEXT NOT NULL,
    "category" TEXT NOT NULL DEFAULT 'operation',
    "params" JSONB NOT NULL DEFAULT '[]',
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "maintenance_operations_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "maintenance_runs" (
    "id" UUID NOT NULL,
    "operationKey" TEXT NOT NULL,
    "status" "MaintenanceRunStatus" NOT NULL DEFAULT 'running',
    "params" JSONB NOT NULL DEFAULT '{}',
    "progress" JSONB NOT NULL DEFAULT '{}',
    "result" JSONB,
    "log" TEXT NOT NULL DEFAULT '',
    "startedBy" TEXT,
    "abortRequested" BOOLEAN NOT NULL DEFAULT false,
    "hubId" TEXT,
    "startedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "completedAt" TIMESTAMPTZ(3),

    CONSTRAINT "maintenance_runs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "audit_events" (
    "id" UUID NOT NULL,
    "principal" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "targetType" TEXT NOT NULL,
    "targetId" TEXT,
    "details" JSONB NOT NULL DEFAULT '{}',
    "requestId" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "audit_events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "event_payloads" (
    "id" UUID NOT NULL,
    "subject" TEXT NOT NULL,
    "data" JSONB NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "event_payloads_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "hub_replicas" (
    "id" TEXT NOT NULL,
    "internalUrl" TEXT NOT NULL,
    "startedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastSeenAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "hub_replicas_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "users_email_key" ON "users"("email");

-- CreateIndex
CREATE UNIQUE INDEX "api_tokens_tokenHash_key" ON "api_tokens"("tokenHash");

-- CreateIndex
CREATE INDEX "api_tokens_userId_idx" ON "api_tokens"("userId");

-- CreateIndex
CREATE UNIQUE INDEX "allow_list_entries_email_key" ON "allow_list_entries"("email");

-- CreateIndex
CREATE UNIQUE INDEX "projects_slug_key" ON "projects"("slug");

-- CreateIndex
CREATE UNIQUE INDEX "runtime_brokers_slug_key" ON "runtime_brokers"("slug");

-- CreateIndex
CREATE INDEX "runtime_brokers_connectedHubId_idx" ON "runtime_brokers"("connectedHubId");

-- CreateIndex
CREATE INDEX "broker_secrets_brokerId_idx" ON "broker_secrets"("brokerId");

-- CreateIndex
CREATE UNIQUE INDEX "broker_join_tokens_tokenHash_key" ON "broker_join_tokens"("tokenHash");

-- CreateIndex
CREATE INDEX "broker_join_tokens_brokerId_idx" ON "broker_join_tokens"("brokerId");

-- CreateIndex
CREATE INDEX "agents_brokerId_idx" ON "agents"("brokerId");

-- CreateIndex
CREATE INDEX "agents_ownerId_idx" ON "agents"("ownerId");

-- CreateIndex
CREATE INDEX "agents_phase_idx" ON "agents"("phase");

-- CreateIndex
CREATE INDEX "agents_updatedAt_idx" ON "agents"("updatedAt");

-- CreateIndex
CREATE UNIQUE INDEX "agents_projectId_slug_key" ON "agents"("projectId", "slug");

-- CreateIndex
CREATE INDEX "agent_state_changes_agentId_createdAt_idx" ON "agent_state_changes"("agentId", "createdAt");

-- CreateIndex
CREATE INDEX "messages_agentId_createdAt_idx" ON "messages"("agentId", "createdAt");

-- CreateIndex
CREATE INDEX "messages_dispatchState_createdAt_idx" ON "messages"("dispatchState", "createdAt");

-- CreateIndex
CREATE INDEX "broker_dispatches_brokerId_state_createdAt_idx" ON "broker_dispatches"("brokerId", "state", "createdAt");

-- CreateIndex
CREATE INDEX "broker_dispatches_state_deadlineAt_idx" ON "broker_dispatches"("state", "deadlineAt");

-- CreateIndex
CREATE UNIQUE INDEX "maintenance_operations_key_key" ON "maintenance_operations"("key");

-- CreateIndex
CREATE INDEX "maintenance_runs_operationKey_startedAt_idx" ON "maintenance_runs"("operationKey", "startedAt");

-- CreateIndex
CREATE INDEX "audit_events_targetType_targetId_idx" ON "audit_events"("targetType", "targetId");

-- CreateIndex
CREATE INDEX "audit_events_createdAt_idx" ON "audit_events"("createdAt");

-- CreateIndex
CREATE INDEX "event_payloads_createdAt_idx" ON "event_payloads"("createdAt");

-- AddForeignKey
ALTER TABLE "api_tokens" ADD CONSTRAINT "api_tokens_userId_fkey" FOREIGN KEY ("userId") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "projects" ADD CONSTRAINT "projects_createdById_fkey" FOREIGN KEY ("createdById") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "projects" ADD CONSTRAINT "projects_defaultBrokerId_fkey" FOREIGN KEY ("defaultBrokerId") REFERENCES "runtime_brokers"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "broker_secrets" ADD CONSTRAINT "broker_secrets_brokerId_fkey" FOREIGN KEY ("brokerId") REFERENCES "runtime_brokers"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "broker_join_tokens" ADD CONSTRAINT "broker_join_tokens_brokerId_fkey" FOREIGN KEY ("brokerId") REFERENCES "runtime_brokers"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "agents" ADD CONSTRAINT "agents_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "agents" ADD CONSTRAINT "agents_brokerId_fkey" FOREIGN KEY ("brokerId") REFERENCES "runtime_brokers"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "agent_state_changes" ADD CONSTRAINT "agent_state_changes_agentId_fkey" FOREIGN KEY ("agentId") REFERENCES "agents"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "messages" ADD CONSTRAINT "messages_agentId_fkey" FOREIGN KEY ("agentId") REFERENCES "agents"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "broker_dispatches" ADD CONSTRAINT "broker_dispatches_brokerId_fkey" FOREIGN KEY ("brokerId") REFERENCES "runtime_brokers"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "maintenance_runs" ADD CONSTRAINT "maintenance_runs_operationKey_fkey" FOREIGN KEY ("operationKey") REFERENCES "maintenance_operations"("key") ON DELETE CASCADE ON UPDATE CASCADE;
