import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { MarkdownPreview } from "../../../components/templates/markdown-preview";
import { envToText, textToEnv } from "../../../components/templates/scoped-parts";
import { personLabel } from "../../../components/ui/person-label";

const render = (text: string) => renderToStaticMarkup(createElement(MarkdownPreview, { text, label: "Preview" }));

describe("the instructions preview", () => {
  it("renders headings, lists, code and bold as elements", () => {
    const html = render("# Rules\n- be **brief**\n- use `echo`\n\n1. first\n2. second\n\n```\nnpm test\n```");
    expect(html).toContain('<p class="text-lg font-semibold">Rules</p>');
    expect(html).toMatch(
      /<ul class="list-disc pl-6"><li>be <strong>brief<\/strong><\/li><li>use <code[^>]*>echo<\/code><\/li><\/ul>/,
    );
    expect(html).toMatch(/<ol class="list-decimal pl-6"><li>first<\/li><li>second<\/li><\/ol>/);
    expect(html).toMatch(/<pre[^>]*>npm test<\/pre>/);
  });

  it("never turns the text into HTML", () => {
    const html = render('<img src=x onerror="alert(1)"> and <b>bold</b> **<i>x</i>**');
    expect(html).not.toContain("<img");
    expect(html).not.toContain("<b>");
    expect(html).not.toContain("<i>");
    expect(html).toContain("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;");
    expect(html).toContain("<strong>&lt;i&gt;x&lt;/i&gt;</strong>");
  });

  it("says when there is nothing to preview", () => {
    expect(render("  \n")).toContain("Nothing to preview.");
  });
});

describe("env as KEY=value lines", () => {
  it("round-trips, skips blank and # lines, keeps = in values", () => {
    expect(textToEnv("A=1\n\n# note\nB = x=y\n")).toEqual({ A: "1", B: " x=y" });
    expect(textToEnv(envToText({ A: "1", B: "two words" }))).toEqual({ A: "1", B: "two words" });
  });

  it("refuses a line without a name", () => {
    expect(() => textToEnv("=1")).toThrow('"=1" is not KEY=value');
    expect(() => textToEnv("JUSTANAME")).toThrow("is not KEY=value");
  });
});

describe("people in the dashboard", () => {
  it("by the name the hub looked up, else by kind, never by id", () => {
    expect(personLabel("user:7d1c0a2e-0000-4000-8000-000000000000", "Ada")).toBe("Ada");
    expect(personLabel("user:7d1c0a2e-0000-4000-8000-000000000000", null)).toBe("a person");
    expect(personLabel("agent:7d1c0a2e-0000-4000-8000-000000000000")).toBe("an agent");
    expect(personLabel("system")).toBe("the hub");
    expect(personLabel(null)).toBe("—");
  });
});
