/**
 * deploy/kubernetes, checked offline: every object of every kustomization a person applies
 * (iap, oauth, migrate) and the example Secrets against the Kubernetes OpenAPI schemas and GKE's
 * CRD schemas (test/support/kubernetes-manifests.ts), then what no schema can see: references
 * between objects, the routes the probes ask, the settings the hub and the broker really read,
 * and the pods' security settings.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadBrokerConfig } from "../../../broker/config";
import { loadConfig } from "../../../lib/config/load-config";
import { ENV_KEYS } from "../../../lib/config/sources";
import {
  MANIFESTS_DIR,
  ROOT,
  nameOf,
  readManifests,
  renderKustomization,
  schemaErrors,
  unknownFieldErrors,
  type Manifest,
  type Rendered,
  type Sourced,
} from "../../support/kubernetes-manifests";

/** The kustomizations a person applies (base is only ever applied through iap or oauth). */
const APPLIED = ["iap", "oauth", "migrate"] as const;
const HUB_OVERLAYS = { iap: "proxy", oauth: "oauth" } as const;
const POD_IP = "10.1.2.3";

// ---- Reading the pieces -------------------------------------------------------------------------

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    fieldRef?: { fieldPath: string };
    secretKeyRef?: { name: string; key: string; optional?: boolean };
    configMapKeyRef?: { name: string; key: string; optional?: boolean };
  };
}
interface EnvFrom {
  configMapRef?: { name: string; optional?: boolean };
  secretRef?: { name: string; optional?: boolean };
}
interface Probe {
  httpGet?: { path: string; port: number | string };
}
interface Container {
  name: string;
  image: string;
  workingDir?: string;
  command?: string[];
  ports?: Array<{ name?: string; containerPort: number }>;
  env?: EnvVar[];
  envFrom?: EnvFrom[];
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  startupProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: {
    runAsUser?: number;
    runAsNonRoot?: boolean;
    allowPrivilegeEscalation?: boolean;
    readOnlyRootFilesystem?: boolean;
    capabilities?: { drop?: string[]; add?: string[] };
  };
  volumeMounts?: Array<{ name: string; mountPath: string; readOnly?: boolean }>;
}
interface Volume {
  name: string;
  emptyDir?: object;
  persistentVolumeClaim?: { claimName: string };
  secret?: { secretName: string };
  configMap?: { name: string };
}
interface PodSpec {
  containers: Container[];
  volumes?: Volume[];
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number; seccompProfile?: { type: string } };
}
interface Workload {
  source: Sourced;
  labels: Record<string, string>;
  pod: PodSpec;
}
interface Ported {
  source: Sourced;
  pod: PodSpec;
  container: Container;
}

const rendered = Object.fromEntries(
  APPLIED.map((name) => [name, renderKustomization(path.join(MANIFESTS_DIR, name))]),
) as Record<(typeof APPLIED)[number], Rendered>;

/** The example Secrets a kustomization's objects may read: base's and the overlay's own. */
function exampleSecrets(overlay: string): Sourced[] {
  return ["base", overlay].flatMap((dir) => {
    const file = path.join(MANIFESTS_DIR, dir, "secrets.example.yaml");
    return fs.existsSync(file) ? readManifests(file) : [];
  });
}

const byKind = (docs: Sourced[], kind: string) => docs.filter((d) => d.doc.kind === kind);
const named = (docs: Sourced[], kind: string, name: string) =>
  docs.find((d) => d.doc.kind === kind && d.doc.metadata.name === name);

function workloads(docs: Sourced[]): Workload[] {
  return docs.flatMap((source) => {
    const spec = source.doc.spec as { template?: { metadata?: { labels?: Record<string, string> }; spec: PodSpec } };
    return ["Deployment", "Job"].includes(source.doc.kind) && spec.template
      ? [{ source, labels: spec.template.metadata?.labels ?? {}, pod: spec.template.spec }]
      : [];
  });
}

function containers(docs: Sourced[]): Ported[] {
  return workloads(docs).flatMap(({ source, pod }) => pod.containers.map((container) => ({ source, pod, container })));
}

function hubContainer(docs: Sourced[]): Ported {
  const hub = containers(docs).find((c) => c.source.doc.metadata.name === "scion-hub" && c.container.name === "hub");
  if (!hub) throw new Error("no Deployment scion-hub with a container hub");
  return hub;
}

function brokerContainer(docs: Sourced[]): Ported {
  const broker = containers(docs).find((c) => c.source.doc.metadata.name === "scion-broker");
  if (!broker) throw new Error("no Deployment scion-broker");
  return broker;
}

/** The key → value pairs of a ConfigMap or Secret (stringData and base64 data). */
function entriesOf(doc: Manifest): Record<string, string> {
  const data = (doc.data ?? {}) as Record<string, string>;
  const decoded = Object.fromEntries(
    Object.entries(data).map(([k, v]) => [k, doc.kind === "Secret" ? Buffer.from(v, "base64").toString() : v]),
  );
  return { ...decoded, ...((doc.stringData ?? {}) as Record<string, string>) };
}

/**
 * The environment a container starts with, as the kubelet builds it: envFrom in order, then env
 * in order with $(VAR) expanded from what is defined so far; status.podIP is POD_IP.
 */
function environmentOf(container: Container, docs: Sourced[]): Record<string, string> {
  const source = (kind: "Secret" | "ConfigMap", name: string) => {
    const doc = named(docs, kind, name);
    return doc ? entriesOf(doc.doc) : undefined;
  };
  const env: Record<string, string> = {};
  for (const from of container.envFrom ?? []) {
    const ref = from.configMapRef ?? from.secretRef!;
    Object.assign(env, source(from.configMapRef ? "ConfigMap" : "Secret", ref.name) ?? {});
  }
  for (const v of container.env ?? []) {
    const from = v.valueFrom;
    let value: string | undefined;
    if (v.value !== undefined) value = v.value.replace(/\$\((\w+)\)/g, (whole, name: string) => env[name] ?? whole);
    else if (from?.fieldRef) value = from.fieldRef.fieldPath === "status.podIP" ? POD_IP : undefined;
    else if (from?.secretKeyRef) value = source("Secret", from.secretKeyRef.name)?.[from.secretKeyRef.key];
    else if (from?.configMapKeyRef) value = source("ConfigMap", from.configMapKeyRef.name)?.[from.configMapKeyRef.key];
    if (value !== undefined) env[v.name] = value;
  }
  return env;
}

/** Every variable name a container's environment may hold (envFrom keys included). */
function envNamesOf(container: Container, docs: Sourced[]): string[] {
  return Object.keys(environmentOf(container, docs)).concat((container.env ?? []).map((v) => v.name));
}

/** GET routes server.ts answers to anyone, from the machine-route table (lib/server/machine-routes.ts). */
function publicGetRoutes(): string[] {
  const source = fs.readFileSync(path.join(ROOT, "lib", "server", "machine-routes.ts"), "utf8");
  const routes = [...source.matchAll(/\{ method: "GET", path: "([^"]+)", access: "public"/g)].map((m) => m[1]!);
  if (routes.length === 0)
    throw new Error("found no public GET route in lib/server/machine-routes.ts; was it changed?");
  return routes;
}

/** The variables broker/config.ts reads (`env.NAME`). */
function brokerEnvNames(): Set<string> {
  const source = fs.readFileSync(path.join(ROOT, "broker", "config.ts"), "utf8");
  return new Set([...source.matchAll(/\benv\.([A-Z][A-Z0-9_]*)\b/g)].map((m) => m[1]!));
}

/** The mount a path lies strictly below, with its volume. */
function mountBelow(p: Ported, target: string) {
  const mount = p.container.volumeMounts?.find((m) => target.startsWith(`${m.mountPath.replace(/\/$/, "")}/`));
  return mount && { mount, volume: p.pod.volumes?.find((v) => v.name === mount.name) };
}

const tempCwd = () => fs.mkdtempSync(path.join(os.tmpdir(), "scion-deploy-"));

// ---- The tests ----------------------------------------------------------------------------------

describe("deploy/kubernetes", () => {
  it("reads every YAML file: each is a kustomization, what one of them uses, or an example Secret", () => {
    const used = new Set(Object.values(rendered).flatMap((r) => [...r.files]));
    const all = fs
      .readdirSync(MANIFESTS_DIR, { recursive: true, encoding: "utf8" })
      .filter((f) => f.endsWith(".yaml") || f.endsWith(".yml"))
      .map((f) => path.join(MANIFESTS_DIR, f));
    const orphans = all.filter((f) => !used.has(f) && path.basename(f) !== "secrets.example.yaml");
    expect(orphans.map((f) => path.relative(ROOT, f))).toEqual([]);
    // The example Secrets stay out of every kustomization: an apply must never overwrite real ones.
    expect([...used].filter((f) => f.endsWith("secrets.example.yaml"))).toEqual([]);
  });

  describe.each(APPLIED)("kubectl apply -k deploy/kubernetes/%s", (overlay) => {
    const docs = () => [...rendered[overlay].docs, ...exampleSecrets(overlay)];

    it("gives objects that validate against the Kubernetes OpenAPI schemas (kubernetes-models, GKE CRDs)", () => {
      const errors = docs().flatMap((d) => schemaErrors(d.doc).map((e) => `${nameOf(d)}: ${e}`));
      expect(errors).toEqual([]);
    });

    it("uses no field the API does not know (TypeScript's excess-property check on the same models)", () => {
      expect(unknownFieldErrors(docs())).toEqual([]);
    });

    it("names every object once and puts every namespaced one in the namespace scion", () => {
      const keys = rendered[overlay].docs.map((d) => `${d.doc.kind}/${d.doc.metadata.name}`);
      expect(keys.length).toBe(new Set(keys).size);
      for (const d of rendered[overlay].docs)
        if (d.doc.kind !== "Namespace") expect(d.doc.metadata.namespace, nameOf(d)).toBe("scion");
    });

    it("references only Secrets, ConfigMaps, keys, volumes and claims that exist", () => {
      const all = docs();
      const problems: string[] = [];
      const need = (where: Sourced, kind: string, name: string, key?: string) => {
        const doc = named(all, kind, name);
        if (!doc) problems.push(`${nameOf(where)}: ${kind} ${name} does not exist`);
        else if (key !== undefined && !(key in entriesOf(doc.doc)))
          problems.push(`${nameOf(where)}: ${kind} ${name} has no key ${key}`);
      };
      for (const { source, pod, container } of containers(all)) {
        for (const from of container.envFrom ?? []) {
          if (from.configMapRef) need(source, "ConfigMap", from.configMapRef.name);
          if (from.secretRef) need(source, "Secret", from.secretRef.name);
        }
        for (const v of container.env ?? []) {
          const ref = v.valueFrom;
          if (ref?.secretKeyRef) need(source, "Secret", ref.secretKeyRef.name, ref.secretKeyRef.key);
          if (ref?.configMapKeyRef) need(source, "ConfigMap", ref.configMapKeyRef.name, ref.configMapKeyRef.key);
          if (ref?.fieldRef) expect(ref.fieldRef.fieldPath, `${nameOf(source)}: ${v.name}`).toBe("status.podIP");
        }
        for (const m of container.volumeMounts ?? [])
          if (!pod.volumes?.some((v) => v.name === m.name)) problems.push(`${nameOf(source)}: no volume ${m.name}`);
        for (const v of pod.volumes ?? []) {
          if (v.secret) need(source, "Secret", v.secret.secretName);
          if (v.configMap) need(source, "ConfigMap", v.configMap.name);
          if (v.persistentVolumeClaim) need(source, "PersistentVolumeClaim", v.persistentVolumeClaim.claimName);
        }
      }
      for (const backend of byKind(all, "BackendConfig")) {
        const iap = (backend.doc.spec as { iap?: { oauthclientCredentials: { secretName: string } } }).iap;
        // IAP reads the OAuth client from these two keys.
        if (iap)
          for (const key of ["client_id", "client_secret"])
            need(backend, "Secret", iap.oauthclientCredentials.secretName, key);
      }
      expect(problems).toEqual([]);
    });

    it("selects pods by labels their templates carry", () => {
      for (const w of workloads(rendered[overlay].docs)) {
        const selector = (w.source.doc.spec as { selector?: { matchLabels: Record<string, string> } }).selector;
        if (w.source.doc.kind === "Deployment") expect(w.labels, nameOf(w.source)).toMatchObject(selector!.matchLabels);
      }
    });

    it("runs every container with requests and limits, no capabilities it does not need and no privilege escalation", () => {
      for (const { source, pod, container } of containers(rendered[overlay].docs)) {
        const where = `${nameOf(source)} container ${container.name}`;
        expect(["scion-hub:latest", "scion-broker:latest"], where).toContain(container.image);
        expect(pod.securityContext?.seccompProfile?.type, where).toBe("RuntimeDefault");
        expect(container.securityContext?.allowPrivilegeEscalation, where).toBe(false);
        expect(container.securityContext?.capabilities?.drop, where).toEqual(["ALL"]);
        for (const kind of ["requests", "limits"] as const)
          expect(Object.keys(container.resources?.[kind] ?? {}).sort(), `${where} ${kind}`).toEqual(["cpu", "memory"]);
        if (source.doc.metadata.name === "scion-broker") continue; // below: the one container that is root
        expect(pod.securityContext?.runAsNonRoot, where).toBe(true);
        expect(pod.securityContext?.runAsUser, where).toBeGreaterThan(0);
        expect(container.securityContext?.runAsNonRoot, where).toBe(true);
        expect(container.securityContext?.readOnlyRootFilesystem, where).toBe(true);
        expect(container.securityContext?.capabilities?.add, where).toBeUndefined();
        // A read-only root filesystem: the temporary directory is an emptyDir.
        const tmp = container.volumeMounts?.find((m) => m.mountPath === "/tmp");
        expect(pod.volumes?.find((v) => v.name === tmp?.name)?.emptyDir, `${where}: /tmp`).toBeDefined();
      }
    });
  });

  describe.each(Object.entries(HUB_OVERLAYS))("the hub in deploy/kubernetes/%s", (overlay, authMode) => {
    const docs = () => [...rendered[overlay as keyof typeof HUB_OVERLAYS].docs, ...exampleSecrets(overlay)];

    it(`starts with the settings its pods get (${authMode} mode, shared Postgres, no local broker, SCION_INTERNAL_URL from the pod IP)`, () => {
      const hub = hubContainer(docs());
      const env = environmentOf(hub.container, docs());
      const config = loadConfig({ env, cwd: tempCwd() });
      const port = hub.container.ports!.find((p) => p.name === "http")!.containerPort;
      expect(config).toMatchObject({ authMode, localBroker: false, host: "0.0.0.0", port });
      expect(config.internalUrl).toBe(`http://${POD_IP}:${port}`);
      expect(config.databaseUrl).toMatch(/^postgresql:\/\//);
      expect(config.sessionSecret?.length).toBeGreaterThanOrEqual(32);
      if (authMode === "proxy") expect(config.iap.audience).toMatch(/^\/projects\/\d+\/global\/backendServices\/\d+$/);
      else expect(Object.keys(config.oauth).length).toBeGreaterThan(0);
      // The data directory is a directory below a writable volume: the hub (not root) creates it
      // and sets its mode, which it could not do to the mount point itself.
      const below = mountBelow(hub, config.dataDirPath);
      expect(below?.volume?.emptyDir ?? below?.volume?.persistentVolumeClaim, config.dataDirPath).toBeDefined();
      expect(below?.mount.readOnly).not.toBe(true);
    });

    it("gives the hub only variables lib/config reads", () => {
      const hub = hubContainer(docs());
      const known = new Set([...ENV_KEYS.map((k) => k.env), "POD_IP"]);
      expect(envNamesOf(hub.container, docs()).filter((n) => !known.has(n))).toEqual([]);
    });

    it("probes /readyz and /healthz, routes the hub answers to anyone, on its HTTP port", () => {
      const hub = hubContainer(docs()).container;
      const routes = publicGetRoutes();
      expect(hub.readinessProbe?.httpGet?.path).toBe("/readyz");
      expect(hub.livenessProbe?.httpGet?.path).toBe("/healthz");
      for (const probe of [hub.readinessProbe, hub.livenessProbe, hub.startupProbe].filter((p) => p !== undefined)) {
        expect(routes).toContain(probe.httpGet!.path);
        expect(hub.ports!.map((p) => p.name)).toContain(probe.httpGet!.port);
      }
    });

    it("routes the Service, the PodDisruptionBudget and the Ingress to the hub's pods", () => {
      const all = docs();
      const hub = workloads(all).find((w) => w.source.doc.metadata.name === "scion-hub")!;
      const hubPorts = hub.pod.containers[0]!.ports!;
      const service = named(all, "Service", "scion-hub")!;
      const spec = service.doc.spec as {
        selector: Record<string, string>;
        ports: Array<{ name: string; port: number; targetPort: string | number }>;
      };
      expect(hub.labels).toMatchObject(spec.selector);
      for (const p of spec.ports) expect(hubPorts.map((h) => h.name)).toContain(p.targetPort);
      const pdb = named(all, "PodDisruptionBudget", "scion-hub")!;
      expect(hub.labels).toMatchObject((pdb.doc.spec as { selector: { matchLabels: object } }).selector.matchLabels);
      const replicas = (hub.source.doc.spec as { replicas: number }).replicas;
      expect(replicas).toBeGreaterThan((pdb.doc.spec as { maxUnavailable: number }).maxUnavailable);

      const ingress = named(all, "Ingress", "scion-hub")!;
      const rules = (
        ingress.doc.spec as {
          rules: Array<{
            host: string;
            http: {
              paths: Array<{ backend: { service: { name: string; port: { name?: string; number?: number } } } }>;
            };
          }>;
        }
      ).rules;
      const config = loadConfig({ env: environmentOf(hubContainer(all).container, all), cwd: tempCwd() });
      for (const rule of rules) {
        // The Ingress answers at the host people are told to open.
        expect(rule.host).toBe(new URL(config.publicUrl).hostname);
        for (const { backend } of rule.http.paths) {
          const target = named(all, "Service", backend.service.name);
          expect(target, `backend ${backend.service.name}`).toBeDefined();
          expect(
            spec.ports.some((p) => p.name === backend.service.port.name || p.port === backend.service.port.number),
          ).toBe(true);
        }
      }
      const tls = (ingress.doc.spec as { tls?: Array<{ hosts: string[] }> }).tls ?? [];
      for (const t of tls) expect(t.hosts).toEqual(rules.map((r) => r.host));
    });
  });

  describe("Google IAP (deploy/kubernetes/iap)", () => {
    const docs = () => [...rendered.iap.docs, ...exampleSecrets("iap")];

    it("turns IAP on for the hub's Service and health-checks a public route on the pods' port", () => {
      const all = docs();
      const service = named(all, "Service", "scion-hub")!;
      const annotation = JSON.parse(service.doc.metadata.annotations!["cloud.google.com/backend-config"]!) as {
        default: string;
      };
      const backend = named(all, "BackendConfig", annotation.default);
      expect(backend).toBeDefined();
      const spec = backend!.doc.spec as {
        iap: { enabled: boolean };
        healthCheck: { requestPath: string; port: number };
        timeoutSec: number;
      };
      expect(spec.iap.enabled).toBe(true);
      expect(publicGetRoutes()).toContain(spec.healthCheck.requestPath);
      expect(hubContainer(all).container.ports!.map((p) => p.containerPort)).toContain(spec.healthCheck.port);
      // Event streams and terminals outlive the load balancer's default 30 s.
      expect(spec.timeoutSec).toBeGreaterThanOrEqual(3600);
      expect(JSON.parse(service.doc.metadata.annotations!["cloud.google.com/neg"]!)).toEqual({ ingress: true });
    });

    it("names a ManagedCertificate for the Ingress's host and a FrontendConfig that exist", () => {
      const all = docs();
      const ingress = named(all, "Ingress", "scion-hub")!;
      const a = ingress.doc.metadata.annotations!;
      expect(a["kubernetes.io/ingress.class"]).toBe("gce");
      const cert = named(all, "ManagedCertificate", a["networking.gke.io/managed-certificates"]!);
      const hosts = (ingress.doc.spec as { rules: Array<{ host: string }> }).rules.map((r) => r.host);
      expect((cert?.doc.spec as { domains: string[] }).domains).toEqual(hosts);
      expect(named(all, "FrontendConfig", a["networking.gke.io/v1beta1.FrontendConfig"]!)).toBeDefined();
    });
  });

  describe("the broker (deploy/kubernetes/base/broker.yaml)", () => {
    const docs = () => [...rendered.iap.docs, ...exampleSecrets("iap")];

    it("gets only variables broker/config.ts reads (and npm's cache location)", () => {
      const known = new Set([...brokerEnvNames(), "npm_config_cache"]);
      expect(known.has("SCION_HUB_URLS")).toBe(true);
      expect(envNamesOf(brokerContainer(docs()).container, docs()).filter((n) => !known.has(n))).toEqual([]);
    });

    it("starts with its settings: the hub's Service, the local runtime, its state on the volume", () => {
      const all = docs();
      const broker = brokerContainer(all);
      const config = loadBrokerConfig(environmentOf(broker.container, all), tempCwd());
      expect(config.runtime).toBe("local");
      expect(config.joinToken).toMatch(/^scion_join_/);
      const url = new URL(config.hubUrls[0]!);
      const service = named(all, "Service", url.hostname);
      expect(service, `${url.hostname} is a Service`).toBeDefined();
      expect((service!.doc.spec as { ports: Array<{ port: number }> }).ports.map((p) => p.port)).toContain(
        Number(url.port || 80),
      );
      expect(broker.container.volumeMounts?.find((m) => m.mountPath === config.dataDirPath)).toBeDefined();
      const mount = broker.container.volumeMounts!.find((m) => m.mountPath === config.dataDirPath)!;
      expect(broker.pod.volumes?.find((v) => v.name === mount.name)?.persistentVolumeClaim).toBeDefined();
    });

    it("is the one container that runs as root, with only the capabilities agent users need", () => {
      const { container, pod } = brokerContainer(docs());
      expect(pod.securityContext?.runAsNonRoot).toBeUndefined();
      expect(container.securityContext).toMatchObject({ runAsUser: 0, allowPrivilegeEscalation: false });
      // All within Pod Security "baseline" (the namespace enforces it).
      expect(container.securityContext?.capabilities?.add?.sort()).toEqual([
        "CHOWN",
        "DAC_OVERRIDE",
        "FOWNER",
        "KILL",
        "SETGID",
        "SETUID",
      ]);
      const ns = named(docs(), "Namespace", "scion")!;
      expect(ns.doc.metadata.labels?.["pod-security.kubernetes.io/enforce"]).toBe("baseline");
    });
  });

  describe("the migration Job (deploy/kubernetes/migrate)", () => {
    const job = () => containers(rendered.migrate.docs)[0]!;

    it("runs the hub's migration runner from the image's repository root", () => {
      const { container } = job();
      // The server bundle's migrate mode; it exists in the repository as `npm start` builds it.
      expect(container.command).toEqual(["node", ".next/scion-server/server.mjs", "migrate"]);
      // It needs DATABASE_URL, which the Job gives it.
      expect((container.env ?? []).map((v) => v.name)).toContain("DATABASE_URL");
      // The same image layout as the hub's Deployment (its Next.js cache is below the root).
      const hub = hubContainer(rendered.iap.docs).container;
      expect(hub.volumeMounts!.some((m) => m.mountPath.startsWith(`${container.workingDir}/`))).toBe(true);
    });
  });
});
