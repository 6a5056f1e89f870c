/**
 * Reading and checking deploy/kubernetes offline: YAML documents, the few kustomize features the
 * manifests use (resources, namespace, strategic-merge patches), and validation against the
 * Kubernetes OpenAPI schemas that the npm packages kubernetes-models and @kubernetes-models/gke
 * compile (value checks: types, required fields, enums) plus a TypeScript compile of every
 * document against the same packages' declarations (unknown fields: the schemas allow them).
 */
import fs from "node:fs";
import path from "node:path";
import ts from "typescript";
import YAML from "yaml";
import { z } from "zod";
import { Namespace } from "kubernetes-models/v1/Namespace";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { Secret } from "kubernetes-models/v1/Secret";
import { Service } from "kubernetes-models/v1/Service";
import { PersistentVolumeClaim } from "kubernetes-models/v1/PersistentVolumeClaim";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { Job } from "kubernetes-models/batch/v1/Job";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import { Ingress } from "kubernetes-models/networking.k8s.io/v1/Ingress";
import { BackendConfig } from "@kubernetes-models/gke/cloud.google.com/v1/BackendConfig";
import { ManagedCertificate } from "@kubernetes-models/gke/networking.gke.io/v1/ManagedCertificate";
import { FrontendConfig } from "@kubernetes-models/gke/networking.gke.io/v1beta1/FrontendConfig";

export const ROOT = path.resolve(import.meta.dirname, "..", "..");
export const MANIFESTS_DIR = path.join(ROOT, "deploy", "kubernetes");

/** One YAML document of a manifest file. */
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

/** A document and the file it came from (repository-relative), for messages. */
export interface Sourced {
  file: string;
  doc: Manifest;
}

/** Every kind the manifests may use: its model (validate()) and where its TypeScript declaration lives. */
const KINDS: Record<string, { model: { new (data: never): { validate(): void } }; types: string }> = {
  "v1/Namespace": { model: Namespace, types: "kubernetes-models/v1/Namespace" },
  "v1/ConfigMap": { model: ConfigMap, types: "kubernetes-models/v1/ConfigMap" },
  "v1/Secret": { model: Secret, types: "kubernetes-models/v1/Secret" },
  "v1/Service": { model: Service, types: "kubernetes-models/v1/Service" },
  "v1/PersistentVolumeClaim": { model: PersistentVolumeClaim, types: "kubernetes-models/v1/PersistentVolumeClaim" },
  "apps/v1/Deployment": { model: Deployment, types: "kubernetes-models/apps/v1/Deployment" },
  "batch/v1/Job": { model: Job, types: "kubernetes-models/batch/v1/Job" },
  "policy/v1/PodDisruptionBudget": {
    model: PodDisruptionBudget,
    types: "kubernetes-models/policy/v1/PodDisruptionBudget",
  },
  "networking.k8s.io/v1/Ingress": { model: Ingress, types: "kubernetes-models/networking.k8s.io/v1/Ingress" },
  // GKE's CRDs, as generated into @kubernetes-models/gke from their openAPIV3Schema.
  "cloud.google.com/v1/BackendConfig": {
    model: BackendConfig,
    types: "@kubernetes-models/gke/cloud.google.com/v1/BackendConfig",
  },
  "networking.gke.io/v1/ManagedCertificate": {
    model: ManagedCertificate,
    types: "@kubernetes-models/gke/networking.gke.io/v1/ManagedCertificate",
  },
  "networking.gke.io/v1beta1/FrontendConfig": {
    model: FrontendConfig,
    types: "@kubernetes-models/gke/networking.gke.io/v1beta1/FrontendConfig",
  },
};

const CLUSTER_SCOPED = new Set(["Namespace"]);

export const kindKey = (doc: { apiVersion: string; kind: string }): string => `${doc.apiVersion}/${doc.kind}`;
export const nameOf = ({ file, doc }: Sourced): string => `${file}: ${doc.kind}/${doc.metadata?.name}`;

/** The documents of a YAML file (empty documents, e.g. comments only, are skipped). */
export function readManifests(file: string): Sourced[] {
  const text = fs.readFileSync(file, "utf8");
  const rel = path.relative(ROOT, file);
  return YAML.parseAllDocuments(text).flatMap((d) => {
    if (d.errors.length) throw new Error(`${rel}: ${d.errors[0]!.message}`);
    const doc = d.toJS() as Manifest | null;
    return doc === null ? [] : [{ file: rel, doc }];
  });
}

/** The kustomization fields these manifests use; anything else would be ignored by renderKustomization, so it is refused. */
const kustomizationSchema = z
  .object({
    apiVersion: z.literal("kustomize.config.k8s.io/v1beta1"),
    kind: z.literal("Kustomization"),
    namespace: z.string().min(1).optional(),
    resources: z.array(z.string().min(1)).min(1),
    patches: z.array(z.object({ path: z.string().min(1) }).strict()).optional(),
  })
  .strict();

export type Kustomization = z.output<typeof kustomizationSchema>;

export function readKustomization(dir: string): Kustomization {
  const file = path.join(dir, "kustomization.yaml");
  return kustomizationSchema.parse(YAML.parse(fs.readFileSync(file, "utf8")));
}

export interface Rendered {
  docs: Sourced[];
  /** Every file the kustomization read (resources, patches, kustomizations), absolute. */
  files: Set<string>;
}

/**
 * What `kustomize build <dir>` gives for the features the manifests use: resources (files, or
 * directories with a kustomization.yaml), patches as strategic merges (maps merge, lists of
 * named items merge by name, other lists are replaced), then the namespace on every
 * namespaced object. It matched `kubectl kustomize` exactly when checked by hand (kubectl is not a
 * Debian package, so no test runs it).
 */
export function renderKustomization(dir: string): Rendered {
  const k = readKustomization(dir);
  const files = new Set([path.join(dir, "kustomization.yaml")]);
  const docs: Sourced[] = [];
  for (const entry of k.resources) {
    const target = path.resolve(dir, entry);
    if (fs.statSync(target).isDirectory()) {
      const sub = renderKustomization(target);
      docs.push(...sub.docs);
      for (const f of sub.files) files.add(f);
    } else {
      docs.push(...readManifests(target));
      files.add(target);
    }
  }
  for (const { path: p } of k.patches ?? []) {
    const file = path.resolve(dir, p);
    files.add(file);
    for (const patch of readManifests(file)) {
      const index = docs.findIndex(
        (d) => kindKey(d.doc) === kindKey(patch.doc) && d.doc.metadata.name === patch.doc.metadata.name,
      );
      if (index < 0) throw new Error(`${nameOf(patch)}: the patch matches no resource of ${path.relative(ROOT, dir)}`);
      docs[index] = { file: docs[index]!.file, doc: strategicMerge(docs[index]!.doc, patch.doc) as Manifest };
    }
  }
  if (k.namespace) {
    for (const d of docs)
      if (!CLUSTER_SCOPED.has(d.doc.kind))
        d.doc = { ...d.doc, metadata: { ...d.doc.metadata, namespace: k.namespace } };
  }
  return { docs, files };
}

function strategicMerge(base: unknown, patch: unknown): unknown {
  if (Array.isArray(base) && Array.isArray(patch)) {
    const named = (xs: unknown[]) => xs.every((x) => typeof x === "object" && x !== null && "name" in x);
    if (!named(base) || !named(patch)) return patch;
    const out = [...base] as Array<{ name: string }>;
    for (const item of patch as Array<{ name: string }>) {
      const i = out.findIndex((x) => x.name === item.name);
      if (i < 0) out.push(item);
      else out[i] = strategicMerge(out[i], item) as { name: string };
    }
    return out;
  }
  if (isObject(base) && isObject(patch)) {
    const out: Record<string, unknown> = { ...base };
    for (const [key, value] of Object.entries(patch)) out[key] = key in base ? strategicMerge(base[key], value) : value;
    return out;
  }
  return patch;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Schema errors of one document (empty when valid, or a single "no schema" error for an unknown kind). */
export function schemaErrors(doc: Manifest): string[] {
  const kind = KINDS[kindKey(doc)];
  if (!kind) return [`no schema for ${kindKey(doc)}: add the kind to test/support/kubernetes-manifests.ts`];
  try {
    new kind.model(doc as never).validate();
    return [];
  } catch (err) {
    return [(err as Error).message];
  }
}

/**
 * Compiles every document as an object literal typed with its kind's declaration, so TypeScript's
 * excess-property check reports each field the API does not know (a typo such as `readinessprobe`
 * passes the JSON schemas, which allow unknown fields). One program for all documents.
 */
export function unknownFieldErrors(sources: Sourced[]): string[] {
  const virtual = path.join(ROOT, "__deploy_manifests_check__.ts");
  const lines: string[] = [];
  const owners: Array<{ from: number; to: number; source: Sourced }> = [];
  sources.forEach((source, i) => {
    const kind = KINDS[kindKey(source.doc)];
    if (!kind) return;
    const typeName = `I${source.doc.kind}`;
    lines.push(`import type { ${typeName} as T${i} } from ${JSON.stringify(kind.types)};`);
  });
  sources.forEach((source, i) => {
    if (!KINDS[kindKey(source.doc)]) return;
    const body = `export const doc${i}: T${i} = ${JSON.stringify(source.doc, null, 1)};`.split("\n");
    owners.push({ from: lines.length + 1, to: lines.length + body.length, source });
    lines.push(...body);
  });
  const text = lines.join("\n");
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    types: [],
    lib: ["lib.es2022.d.ts"],
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (file, language, ...rest) =>
    path.resolve(file) === virtual
      ? ts.createSourceFile(file, text, language, true)
      : getSourceFile(file, language, ...rest);
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (file) => path.resolve(file) === virtual || fileExists(file);
  const program = ts.createProgram([virtual], options, host);
  const sourceFile = program.getSourceFile(virtual)!;
  const diagnostics = [...program.getSyntacticDiagnostics(sourceFile), ...program.getSemanticDiagnostics(sourceFile)];
  return diagnostics.map((d) => {
    const line = d.start === undefined ? 0 : sourceFile.getLineAndCharacterOfPosition(d.start).line + 1;
    const owner = owners.find((o) => line >= o.from && line <= o.to);
    const message = ts.flattenDiagnosticMessageText(d.messageText, " ");
    return owner ? `${nameOf(owner.source)}: ${message}` : message;
  });
}
