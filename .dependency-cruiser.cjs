// Import rules, checked by `npm run lint` (docs/architecture.md, "Layers inside the hub").
//
// The modules of lib/ that the runtime broker (broker/) and the agent shim (agent/) may use: the
// control channel's wire format, the HMAC signing, the harness descriptors, the logger, the
// startup error and the network helpers. The last rule keeps them from importing the rest of
// lib/, so a broker can never pull in the database or the hub's runtime through one of them.
const SHARED_WITH_BROKER_AND_AGENT = [
  "^lib/brokers/channel/(protocol|channel-peer)\\.ts$",
  "^lib/brokers/hmac\\.ts$",
  // The activities an agent reports: the shim and the hub accept the same words.
  "^lib/agents/activities\\.ts$",
  // Not list-harnesses.ts: it reads the hub's database.
  "^lib/harnesses/(?!list-harnesses\\.ts$)[^/]+\\.ts$",
  "^lib/log/create-logger\\.ts$",
  "^lib/runtime/startup-error\\.ts$",
  // Which directories others may pass through: the hub's state directory and the broker's check.
  "^lib/runtime/reachable-state-dir\\.ts$",
  "^lib/net/[^/]+\\.ts$",
  // Browser terminals' WebSockets end at the broker: their control frames and keep-alive pings.
  "^lib/terminal/control-frames\\.ts$",
  "^lib/http/keep-alive\\.ts$",
];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment: "An import cycle: break it with a types-only module or an event/hook (docs/architecture.md).",
      from: {},
      to: { circular: true },
    },
    {
      name: "lib-not-next",
      severity: "error",
      comment:
        "lib/ is the hub without its framework: no next/* (next-auth is fine). Answer with the standard Response; " +
        "pages' helpers that need next/headers or next/navigation live outside lib/. The one exception is where " +
        "the process starts Next.js itself.",
      from: { path: "^lib/", pathNot: "^lib/server/next-handler\\.ts$" },
      to: { path: "^node_modules/next/" },
    },
    {
      name: "lib-not-app-or-components",
      severity: "error",
      comment: "lib/ never imports the Next.js app (app/) or the React components (components/).",
      from: { path: "^lib/" },
      to: { path: "^(app|components)/" },
    },
    {
      name: "broker-and-agent-only-shared-lib",
      severity: "error",
      comment:
        "The broker and the agent shim run on other machines without the hub: from lib/ they use only the shared " +
        "modules listed in .dependency-cruiser.cjs (tests may start a hub, so they are left out).",
      from: { path: "^(broker|agent)/", pathNot: "\\.test\\.tsx?$" },
      to: { path: "^lib/", pathNot: SHARED_WITH_BROKER_AND_AGENT },
    },
    {
      name: "shared-lib-stays-shared",
      severity: "error",
      comment:
        "A module shared with the broker and the agent shim imports nothing from lib/ outside the shared set, so " +
        "the broker never reaches the database or the runtime through it.",
      from: { path: SHARED_WITH_BROKER_AND_AGENT, pathNot: "\\.test\\.tsx?$" },
      to: { path: "^lib/", pathNot: SHARED_WITH_BROKER_AND_AGENT },
    },
  ],
  options: {
    tsConfig: { fileName: "tsconfig.json" },
    // Type-only imports count: a cycle through a type is still a cycle to read and to change.
    tsPreCompilationDeps: true,
    // npm packages and Prisma's generated client are leaves of the graph, never cruised inside;
    // they stay in it so the rules see who imports next/* or the database client.
    doNotFollow: { path: "^(node_modules|lib/db/generated)/" },
    exclude: { path: "^(\\.next/|lib/db/generated/(?!(client|enums)\\.ts$))" },
    // Re-cruises only files whose content changed (about 8 s instead of 20 s on a second run).
    cache: { folder: "node_modules/.cache/dependency-cruiser", strategy: "content" },
  },
};
