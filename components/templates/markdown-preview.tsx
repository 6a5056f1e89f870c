import type { ReactNode } from "react";

/**
 * A minimal Markdown rendering of instructions, built from React elements (text is never parsed
 * as HTML): # headings, - / * / 1. list items, ``` code blocks, blank-line paragraphs, and inline
 * `code` and **bold**. Anything else stays as written.
 */
export function MarkdownPreview({ text, label }: { text: string; label: string }) {
  const blocks: ReactNode[] = [];
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  let paragraph: string[] = [];
  let list: { ordered: boolean; items: string[] } | null = null;
  const flush = () => {
    if (paragraph.length > 0) {
      blocks.push(
        <p key={blocks.length} className="whitespace-pre-wrap">
          {inline(paragraph.join("\n"))}
        </p>,
      );
      paragraph = [];
    }
    if (list) {
      const items = list.items.map((item, i) => <li key={i}>{inline(item)}</li>);
      blocks.push(
        list.ordered ? (
          <ol key={blocks.length} className="list-decimal pl-6">
            {items}
          </ol>
        ) : (
          <ul key={blocks.length} className="list-disc pl-6">
            {items}
          </ul>
        ),
      );
      list = null;
    }
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trimStart().startsWith("```")) {
      flush();
      const code: string[] = [];
      for (i++; i < lines.length && !lines[i]!.trimStart().startsWith("```"); i++) code.push(lines[i]!);
      blocks.push(
        <pre key={blocks.length} className="overflow-x-auto rounded bg-zinc-100 p-2 font-mono text-xs dark:bg-zinc-800">
          {code.join("\n")}
        </pre>,
      );
      continue;
    }
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    if (heading) {
      flush();
      const size = heading[1]!.length <= 1 ? "text-lg" : heading[1]!.length === 2 ? "text-base" : "text-sm";
      // Headings of the preview are not the page's outline: styled text, not <h1>–<h6>.
      blocks.push(
        <p key={blocks.length} className={`${size} font-semibold`}>
          {inline(heading[2]!)}
        </p>,
      );
      continue;
    }
    const item = /^\s*(?:([-*+])|(\d+)[.)])\s+(.*)$/.exec(line);
    if (item) {
      if (paragraph.length > 0) flush();
      const ordered = Boolean(item[2]);
      if (list && list.ordered !== ordered) flush();
      list ??= { ordered, items: [] };
      list.items.push(item[3]!);
      continue;
    }
    if (!line.trim()) {
      flush();
      continue;
    }
    if (list) flush();
    paragraph.push(line);
  }
  flush();
  return (
    <div
      role="region"
      aria-label={label}
      tabIndex={0}
      className="flex max-h-96 min-h-24 flex-col gap-2 overflow-auto rounded-md border border-zinc-200 p-3 text-sm dark:border-zinc-700"
    >
      {blocks.length > 0 ? blocks : <p className="text-zinc-600 dark:text-zinc-400">Nothing to preview.</p>}
    </div>
  );
}

/** `code` and **bold** inside a line, as elements. */
function inline(text: string): ReactNode[] {
  const out: ReactNode[] = [];
  const pattern = /(`[^`]+`|\*\*[^*]+\*\*)/g;
  let last = 0;
  for (const m of text.matchAll(pattern)) {
    if (m.index > last) out.push(text.slice(last, m.index));
    const token = m[0];
    out.push(
      token.startsWith("`") ? (
        <code key={m.index} className="rounded bg-zinc-100 px-1 font-mono text-xs dark:bg-zinc-800">
          {token.slice(1, -1)}
        </code>
      ) : (
        <strong key={m.index}>{token.slice(2, -2)}</strong>
      ),
    );
    last = m.index + token.length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}
