import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  purgeOldMessages,
  reapStuckDispatches,
  sweepPendingMessages,
  sweepStaleAffinity,
} from "../../lib/dispatch/sweeps";
import type { EventDelivery } from "../../lib/events/event-bus";
import { startTestHub, type TestHub } from "../start-test-hub";
import { until } from "../until";

let t: TestHub;
let projectId: string;

beforeAll(async () => {
  t = await startTestHub();
  projectId = (await t.hub.runtime.prisma.project.create({ data: { name: "sweeps", slug: "sweeps" } })).id;
});
afterAll(async () => {
  await t.close();
});

const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000);

describe("singleton sweeps", () => {
  it("stale affinity: a broker without heartbeats, or held by a silent replica, goes offline; a healthy one stays", async () => {
    const { prisma, hubId } = t.hub.runtime;
    await prisma.hubReplica.create({
      data: { id: "dead-replica", internalUrl: "http://10.0.0.9:8080", lastSeenAt: minutesAgo(10) },
    });
    const silent = await prisma.runtimeBroker.create({
      data: {
        name: "silent",
        slug: "silent",
        status: "online",
        lastHeartbeat: minutesAgo(5),
        connectedHubId: hubId,
        connectedSessionId: "s1",
      },
    });
    const orphan = await prisma.runtimeBroker.create({
      data: {
        name: "orphan",
        slug: "orphan",
        status: "online",
        lastHeartbeat: new Date(),
        connectedHubId: "dead-replica",
        connectedSessionId: "s2",
      },
    });
    const healthy = await prisma.runtimeBroker.create({
      data: {
        name: "healthy",
        slug: "healthy",
        status: "online",
        lastHeartbeat: new Date(),
        connectedHubId: hubId,
        connectedSessionId: "s3",
      },
    });
    const seen: EventDelivery[] = [];
    const unsubscribe = t.hub.runtime.events.subscribe(["broker.*.status"], (d) => seen.push(d));
    expect(await sweepStaleAffinity(t.hub.runtime)).toEqual({ released: 2, replicasRemoved: 1 });
    unsubscribe();
    const status = async (id: string) =>
      prisma.runtimeBroker.findUniqueOrThrow({ where: { id }, select: { status: true, connectedHubId: true } });
    expect(await status(silent.id)).toEqual({ status: "offline", connectedHubId: null });
    expect(await status(orphan.id)).toEqual({ status: "offline", connectedHubId: null });
    expect(await status(healthy.id)).toEqual({ status: "online", connectedHubId: hubId });
    expect(seen.filter((d) => d.kind === "event")).toHaveLength(2);
  });

  it("stuck dispatches past their deadline fail once and their waiters hear it; those of a silent replica go back to the broker's holder", async () => {
    const { prisma, hubId } = t.hub.runtime;
    const broker = await prisma.runtimeBroker.create({
      data: { name: "d", slug: "d", status: "online", lastHeartbeat: new Date(), connectedHubId: "new-holder" },
    });
    const late = await prisma.brokerDispatch.create({
      data: { brokerId: broker.id, op: "agent.start", deadlineAt: minutesAgo(1), createdBy: "system" },
    });
    const abandoned = await prisma.brokerDispatch.create({
      data: {
        brokerId: broker.id,
        op: "agent.stop",
        state: "in_progress",
        claimedBy: "gone-replica",
        deadlineAt: new Date(Date.now() + 60_000),
        createdBy: "system",
      },
    });
    const running = await prisma.brokerDispatch.create({
      data: {
        brokerId: broker.id,
        op: "agent.stop",
        state: "in_progress",
        claimedBy: hubId,
        deadlineAt: new Date(Date.now() + 60_000),
        createdBy: "system",
      },
    });
    const seen: string[] = [];
    const unsubscribe = t.hub.runtime.events.subscribe(["dispatch.done.*", "dispatch.new.*"], (d) => {
      if (d.kind === "event") seen.push(`${d.event.subject} ${(d.event.data as { id: string }).id}`);
    });
    expect(await reapStuckDispatches(t.hub.runtime)).toEqual({ failed: 1, requeued: 1 });
    expect(await reapStuckDispatches(t.hub.runtime)).toEqual({ failed: 0, requeued: 0 });
    await new Promise((r) => setTimeout(r, 300));
    unsubscribe();
    const row = (id: string) => prisma.brokerDispatch.findUniqueOrThrow({ where: { id } });
    expect(await row(late.id)).toMatchObject({ state: "failed" });
    expect(await row(abandoned.id)).toMatchObject({ state: "pending", claimedBy: null });
    expect(await row(running.id)).toMatchObject({ state: "in_progress", claimedBy: hubId });
    expect(seen.sort()).toEqual(
      [`dispatch.done.${late.id} ${late.id}`, `dispatch.new.new-holder ${abandoned.id}`].sort(),
    );
  });

  it("pending messages of a running agent nudge the replica holding its broker; old ones are reported stuck", async () => {
    const { prisma } = t.hub.runtime;
    const broker = await prisma.runtimeBroker.create({
      data: { name: "m", slug: "m", status: "online", lastHeartbeat: new Date(), connectedHubId: "owner-replica" },
    });
    const agent = await prisma.agent.create({
      data: {
        name: "waiting",
        slug: "waiting",
        projectId,
        brokerId: broker.id,
        phase: "running",
        createdBy: "system",
        ownerId: "system",
      },
    });
    await prisma.message.create({
      data: { agentId: agent.id, sender: "system", body: "old", createdAt: minutesAgo(20) },
    });
    await prisma.message.create({ data: { agentId: agent.id, sender: "system", body: "fresh" } });
    const nudges: unknown[] = [];
    const unsubscribe = t.hub.runtime.events.subscribe(
      ["dispatch.messages.owner-replica"],
      (d) => d.kind === "event" && nudges.push(d.event.data),
    );
    expect(await sweepPendingMessages(t.hub.runtime)).toEqual({ nudged: 1, stuck: 1 });
    await until(() => nudges.length === 1, "the nudge");
    unsubscribe();
    expect(nudges).toEqual([{ agentId: agent.id }]);
  });

  it("the message purge deletes old dispatched and failed messages and keeps pending and recent ones", async () => {
    const { prisma } = t.hub.runtime;
    const agent = await prisma.agent.create({
      data: { name: "talker", slug: "talker", projectId, createdBy: "system", ownerId: "system" },
    });
    const old = minutesAgo(60 * 24 * 40);
    await prisma.message.createMany({
      data: [
        { agentId: agent.id, sender: "s", body: "old sent", dispatchState: "dispatched", createdAt: old },
        { agentId: agent.id, sender: "s", body: "old failed", dispatchState: "failed", createdAt: old },
        { agentId: agent.id, sender: "s", body: "old pending", dispatchState: "pending", createdAt: old },
        { agentId: agent.id, sender: "s", body: "recent", dispatchState: "dispatched" },
      ],
    });
    expect(await purgeOldMessages(t.hub.runtime, 30)).toBe(2);
    expect((await prisma.message.findMany({ where: { agentId: agent.id } })).map((m) => m.body).sort()).toEqual([
      "old pending",
      "recent",
    ]);
  });
});
