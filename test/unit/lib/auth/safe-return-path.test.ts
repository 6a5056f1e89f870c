import { describe, expect, it } from "vitest";
import { safeRedirectUrl, safeReturnPath } from "../../../../lib/auth/safe-return-path";

// Every trick that makes a browser leave the site: protocol-relative, backslashes (read as "/"),
// tabs and newlines (dropped inside URLs), absolute URLs, other schemes.
const OFF_SITE = [
  "//evil.example/",
  "/\\evil.example",
  "\\/evil.example",
  "\\\\evil.example",
  "/\t/evil.example",
  "/\n/evil.example",
  "/\r\n/evil.example",
  "/ /evil.example".replace(" ", "\u0000"),
  "https://evil.example/",
  "http:evil.example",
  "javascript:alert(1)",
  " /evil.example",
  "evil.example",
];

describe("safeReturnPath", () => {
  it.each([
    ["/agents/1", "/agents/1"],
    ["/brokers?x=1", "/brokers?x=1"],
    ["/projects#top", "/projects#top"],
    ["/%2F%2Fevil.example", "/%2F%2Fevil.example"],
    ["/a/../b", "/b"],
    [undefined, "/"],
    ["", "/"],
    ["/".padEnd(2001, "a"), "/"],
  ])("%s → %s", (input, expected) => {
    expect(safeReturnPath(input)).toBe(expected);
  });

  it.each(OFF_SITE)("%j goes to / instead", (input) => {
    expect(safeReturnPath(input)).toBe("/");
  });
});

describe("safeRedirectUrl (next-auth's redirect callback)", () => {
  const base = "https://hub.example.com";
  it("keeps paths and same-origin URLs on the hub", () => {
    expect(safeRedirectUrl("/brokers", base)).toBe(`${base}/brokers`);
    expect(safeRedirectUrl(`${base}/projects?q=1`, base)).toBe(`${base}/projects?q=1`);
  });

  it.each([
    ...OFF_SITE,
    "https://hub.example.com.evil.example/",
    "https://evil.example@hub.example.org/",
    `${base}/\t/evil.example`,
    `${base}//evil.example`,
  ])("%j goes to the dashboard", (input) => {
    expect(safeRedirectUrl(input, base)).toBe(`${base}/`);
  });
});
