import { describe, expect, it } from "vitest";
import { isAllowedImage } from "../../../broker/runtimes/docker-runtime";
import { loadBrokerConfig } from "../../../broker/config";

describe("the docker broker's image allow-list", () => {
  it("matches exact references and prefixes ending in *", () => {
    const list = ["ghcr.io/acme/agent:1.0", "registry.example.com/agents/*"];
    expect(isAllowedImage("ghcr.io/acme/agent:1.0", list)).toBe(true);
    expect(isAllowedImage("ghcr.io/acme/agent:1.1", list)).toBe(false);
    expect(isAllowedImage("registry.example.com/agents/claude:2", list)).toBe(true);
    expect(isAllowedImage("registry.example.com/other/claude:2", list)).toBe(false);
    expect(isAllowedImage("anything", [])).toBe(false);
  });

  it("is read from SCION_DOCKER_ALLOWED_IMAGES, comma-separated; a bad entry is refused naming the setting", () => {
    const base = { SCION_HUB_URLS: "http://127.0.0.1:3000", SCION_DATA_DIR: "/tmp/x" };
    expect(
      loadBrokerConfig({ ...base, SCION_DOCKER_ALLOWED_IMAGES: " ghcr.io/a/b:1 , registry.example.com/* " })
        .dockerAllowedImages,
    ).toEqual(["ghcr.io/a/b:1", "registry.example.com/*"]);
    expect(loadBrokerConfig(base).dockerAllowedImages).toEqual([]);
    expect(() => loadBrokerConfig({ ...base, SCION_DOCKER_ALLOWED_IMAGES: "bad image" })).toThrow(
      /SCION_DOCKER_ALLOWED_IMAGES/,
    );
  });
});
