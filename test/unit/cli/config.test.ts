import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  configDir,
  DEFAULT_HUB,
  forgetHub,
  readConfig,
  readToken,
  resolveHub,
  saveToken,
  useHub,
} from "../../../cli/lib/config";

/** The command line's per-person settings: where they live, which hub wins, tokens kept 0600. */
let home: string;
const saved = { ...process.env };

beforeEach(() => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), "scion-cli-unit-"));
  process.env.XDG_CONFIG_HOME = home;
  delete process.env.SCION_HUB;
  delete process.env.SCION_TOKEN;
});
afterEach(() => {
  process.env = { ...saved };
  fs.rmSync(home, { recursive: true, force: true });
});

describe("cli config", () => {
  it("lives in $XDG_CONFIG_HOME/scion, else ~/.config/scion", () => {
    expect(configDir({ NODE_ENV: "test", XDG_CONFIG_HOME: "/x/y" })).toBe("/x/y/scion");
    expect(configDir({ NODE_ENV: "test" })).toBe(path.join(os.homedir(), ".config", "scion"));
  });

  it("picks the hub: --hub, then SCION_HUB, then the current hub, then the only hub, then the default", () => {
    expect(resolveHub(undefined)).toBe(DEFAULT_HUB);
    saveToken("https://a.example.com", "token-a", "a@example.com");
    saveToken("https://b.example.com", "token-b", "b@example.com");
    expect(resolveHub(undefined)).toBe("https://b.example.com"); // the last login is current
    useHub("https://a.example.com");
    expect(resolveHub(undefined)).toBe("https://a.example.com");
    process.env.SCION_HUB = "http://127.0.0.1:9000/";
    expect(resolveHub(undefined)).toBe("http://127.0.0.1:9000");
    expect(resolveHub("https://c.example.com/")).toBe("https://c.example.com");
    delete process.env.SCION_HUB;
    forgetHub("https://a.example.com");
    expect(resolveHub(undefined)).toBe("https://b.example.com"); // the only one left
    expect(() => resolveHub("ftp://nope")).toThrow(/must be an http:\/\/ or https:\/\/ URL/);
    expect(() => useHub("https://never.example.com")).toThrow(/not signed in to https:\/\/never.example.com/);
  });

  it("keeps each hub's token in its own 0600 file in a 0700 directory; SCION_TOKEN overrides; forgetting removes it", () => {
    saveToken("https://a.example.com", "token-a", null);
    saveToken("http://127.0.0.1:8080", "token-local", "dev@localhost");
    const config = readConfig();
    const fileA = config.hubs["https://a.example.com"]!.tokenFile;
    const fileLocal = config.hubs["http://127.0.0.1:8080"]!.tokenFile;
    expect(fileA).not.toBe(fileLocal);
    expect(fs.statSync(fileA).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.join(home, "scion", "config.json")).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.dirname(fileA)).mode & 0o777).toBe(0o700);
    expect(readToken("https://a.example.com")).toBe("token-a");
    expect(readToken("https://unknown.example.com")).toBeUndefined();
    process.env.SCION_TOKEN = "from-ci";
    expect(readToken("https://a.example.com")).toBe("from-ci");
    delete process.env.SCION_TOKEN;
    expect(forgetHub("https://a.example.com")).toBe(true);
    expect(fs.existsSync(fileA)).toBe(false);
    expect(forgetHub("https://a.example.com")).toBe(false);
    expect(readToken("http://127.0.0.1:8080")).toBe("token-local");
  });

  it("a damaged config file is named in the error, not ignored", () => {
    fs.mkdirSync(path.join(home, "scion"), { recursive: true });
    fs.writeFileSync(path.join(home, "scion", "config.json"), "{ not json");
    expect(() => readConfig()).toThrow(`${path.join(home, "scion", "config.json")} is not valid JSON`);
    fs.writeFileSync(path.join(home, "scion", "config.json"), JSON.stringify({ hubs: { x: { tokenFile: 3 } } }));
    expect(() => readConfig()).toThrow(/is not a scion config/);
  });
});
