import { describe, expect, it } from "vitest";
import {
  isInternalAddress,
  literalRemoteRefusal,
  parseGitRemote,
  resolveGitRemote,
} from "../../../../lib/net/git-remote-policy";

describe("git remote policy", () => {
  it.each([
    ["127.0.0.1", true],
    ["127.255.0.9", true],
    ["10.0.0.1", true],
    ["172.16.5.4", true],
    ["172.32.0.1", false],
    ["192.168.1.1", true],
    ["169.254.169.254", true],
    ["100.64.0.1", true],
    ["0.0.0.0", true],
    ["::1", true],
    ["::", true],
    ["fe80::1", true],
    ["fd00:ec2::254", true],
    ["::ffff:127.0.0.1", true],
    ["::ffff:7f00:1", true],
    ["::ffff:8.8.8.8", false],
    ["8.8.8.8", false],
    ["2001:4860:4860::8888", false],
    ["140.82.112.3", false],
  ])("%s internal: %s", (address, internal) => {
    expect(isInternalAddress(address)).toBe(internal);
  });

  it("parses the remotes git understands and refuses other schemes", () => {
    expect(parseGitRemote("https://github.com/a/b.git")).toEqual({ scheme: "https", host: "github.com", port: 443 });
    expect(parseGitRemote("http://Example.com:8080/x")).toEqual({ scheme: "http", host: "example.com", port: 8080 });
    expect(parseGitRemote("git@github.com:a/b.git")).toEqual({ scheme: "ssh", host: "github.com", port: 22 });
    expect(parseGitRemote("ssh://git@[::1]:2222/x")).toEqual({ scheme: "ssh", host: "::1", port: 2222 });
    expect(parseGitRemote("git://example.com/x")).toEqual({ scheme: "git", host: "example.com", port: 9418 });
    expect(() => parseGitRemote("file:///etc/passwd")).toThrow(/file: scheme is not allowed/);
    expect(() => parseGitRemote("ext::sh -c touch% /tmp/pwned")).toThrow();
    expect(() => parseGitRemote("/srv/repo.git")).toThrow();
  });

  it("refuses internal literal hosts and names unless allowed", () => {
    expect(literalRemoteRefusal("https://github.com/a/b.git", false)).toBeUndefined();
    expect(literalRemoteRefusal("http://localhost:3000/x.git", false)).toMatch(/internal address/);
    expect(literalRemoteRefusal("http://LOCALHOST./x.git", false)).toMatch(/internal address/);
    expect(literalRemoteRefusal("https://metadata.google.internal/x", false)).toMatch(
      /SCION_ALLOW_PRIVATE_GIT_REMOTES/,
    );
    expect(literalRemoteRefusal("http://127.0.0.1/x.git", true)).toBeUndefined();
    expect(literalRemoteRefusal("file:///x", true)).toMatch(/not allowed/);
  });

  it("resolves names and refuses one that points inside, whichever of its addresses does", async () => {
    const lookup = async (host: string) =>
      ({ "good.example": ["140.82.112.3"], "rebind.example": ["140.82.112.3", "10.0.0.5"] })[host] ?? [];
    await expect(resolveGitRemote("https://good.example/x.git", false, lookup)).resolves.toMatchObject({
      host: "good.example",
      port: 443,
      addresses: ["140.82.112.3"],
    });
    await expect(resolveGitRemote("https://rebind.example/x.git", false, lookup)).rejects.toThrow(
      /resolves to 10\.0\.0\.5/,
    );
    await expect(resolveGitRemote("https://rebind.example/x.git", true, lookup)).resolves.toMatchObject({
      addresses: ["140.82.112.3", "10.0.0.5"],
    });
    await expect(resolveGitRemote("https://nowhere.example/x.git", false, lookup)).rejects.toThrow(/does not resolve/);
  });
});
