import { z } from "zod";
import { pageQuery } from "../http/pagination";

export const registerBrokerBody = z
  .object({
    name: z
      .string()
      .trim()
      .min(1)
      .max(63)
      .regex(/^[a-zA-Z0-9][a-zA-Z0-9 _.-]*$/, { error: "letters, digits, space, _, . and -" }),
  })
  .strict();

export const joinBrokerBody = z
  .object({
    joinToken: z.string().regex(/^scion_join_[A-Za-z0-9_-]{43}$/, { error: "not a join token" }),
    hostname: z.string().trim().min(1).max(253),
    capabilities: z
      .object({
        runtimes: z
          .array(z.enum(["local", "docker"]))
          .max(10)
          .default([]),
        harnesses: z
          .array(z.string().regex(/^[a-z][a-z0-9-]{0,31}$/))
          .max(20)
          .default([]),
        version: z.string().max(64).optional(),
      })
      .strict()
      .default({ runtimes: [], harnesses: [] }),
  })
  .strict();

export const listBrokersQuery = pageQuery.extend({ status: z.enum(["pending", "online", "offline"]).optional() });

export type JoinBrokerBody = z.output<typeof joinBrokerBody>;

export const brokerSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  slug: z.string(),
  hostname: z.string().nullable(),
  status: z.enum(["pending", "online", "offline"]),
  capabilities: z.record(z.string(), z.unknown()),
  version: z.string().nullable(),
  lastHeartbeat: z.iso.datetime().nullable(),
  connectedAt: z.iso.datetime().nullable(),
  portRange: z.string(),
  portsPerAgent: z.number().int(),
  hostUrl: z.string().nullable(),
  agentCount: z.number().int(),
  runningAgents: z.number().int(),
  portsInUse: z.number().int(),
  createdAt: z.iso.datetime(),
});

export type BrokerJson = z.infer<typeof brokerSchema>;
