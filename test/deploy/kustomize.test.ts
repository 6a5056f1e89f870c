/**
 * The unit check of deploy/kubernetes (test/unit/deploy/kubernetes.test.ts) renders the
 * kustomizations itself (test/support/kubernetes-manifests.ts). Where kubectl is installed, its
 * own kustomize must give exactly the same objects. kubectl is not a Debian package (Debian's
 * kubernetes-client is 1.20, too old for these kustomizations), so CI machines may lack it and
 * this check is then skipped; the unit check runs everywhere.
 */
import { execFileSync, spawnSync } from "node:child_process";
import path from "node:path";
import YAML from "yaml";
import { describe, expect, it } from "vitest";
import { MANIFESTS_DIR, renderKustomization, type Manifest } from "../support/kubernetes-manifests";

const kubectl = spawnSync("kubectl", ["version", "--client"], { encoding: "utf8" }).status === 0;

const byName = (docs: Manifest[]) => Object.fromEntries(docs.map((d) => [`${d.kind}/${d.metadata.name}`, d]));

describe.skipIf(!kubectl)("deploy/kubernetes rendered by kubectl kustomize", () => {
  it.each(["base", "iap", "oauth", "migrate"])("%s: the same objects as the unit check's rendering", (dir) => {
    const out = execFileSync("kubectl", ["kustomize", path.join(MANIFESTS_DIR, dir)], { encoding: "utf8" });
    const theirs = YAML.parseAllDocuments(out).map((d) => d.toJS() as Manifest);
    const ours = renderKustomization(path.join(MANIFESTS_DIR, dir)).docs.map((d) => d.doc);
    expect(byName(ours)).toEqual(byName(theirs));
  });
});
