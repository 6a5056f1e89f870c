/**
 * A scripted model server for driving the real coding-assistant CLIs offline. It speaks enough of
 * three APIs for an agent loop: Anthropic Messages (Claude Code), OpenAI Responses (Codex) and the
 * Gemini API (Gemini CLI), streaming and not. Every request is recorded.
 *
 * What to answer is decided from the request itself, never from a counter, so the CLIs' side calls
 * (titles, token counts, routing) cannot derail a conversation: the step is the first one whose
 * `when` occurs in the conversation's last user text message, and the number of tool results after
 * that message says whether to call the next command or give the final text. A request without
 * tools, or whose last user text carries a side marker (Codex's title agent has tools and quotes
 * the prompt), is a side call and gets `sideText` (or, when it asks for JSON with a schema, an
 * object that fits the schema).
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface ScriptStep {
  /** Chosen when this occurs in the last user text of the conversation. */
  when: string;
  /** Shell commands the model asks to run, one tool call per turn, in order. */
  commands?: string[];
  /** The final answer once every command's result has arrived. */
  text: string;
}

export type ModelApi = "anthropic" | "openai" | "gemini" | "unknown";

export interface ModelRequest {
  api: ModelApi;
  method: string;
  /** Path with query. */
  path: string;
  headers: http.IncomingHttpHeaders;
  body: unknown;
  /** Every user text message of the conversation, oldest first (tool results excluded). */
  userTexts: string[];
  /** Tool results after the last user text message. */
  toolResults: number;
  /** What the server answered: a tool call, the final text, a side answer, or nothing it knew. */
  answer: "tool-call" | "text" | "side" | "count" | "unknown";
  /** The step chosen, if any. */
  step?: ScriptStep;
  at: number;
  /** Where the request came from (an agent in a container: its address on the container network). */
  remoteAddress: string;
}

export interface ModelServer {
  /** `http://127.0.0.1:<port>` (no trailing slash, no `/v1`); the listening host when it is a specific one. */
  url: string;
  port: number;
  requests: ModelRequest[];
  /** Requests of the conversation proper (not side calls, not token counts). */
  turns(): ModelRequest[];
  close(): Promise<void>;
}

export interface ModelServerOptions {
  script: ScriptStep[];
  /** Answer to side calls (title, topic, quota checks). */
  sideText?: string;
  /** Text when no step matches. */
  fallbackText?: string;
  /** A last user text containing one of these is a side call. Default: Codex's title prompt. */
  sideMarkers?: string[];
  /** Called for every request (e.g. to log unknown paths while exploring). */
  onRequest?: (r: ModelRequest) => void;
  /** Address to listen on; default 127.0.0.1. "0.0.0.0" lets agents in containers reach it (through the host's address). */
  host?: string;
}

type Json = Record<string, unknown>;
type Reply =
  | { kind: "tool-call"; command: string; callIndex: number }
  | { kind: "text"; text: string }
  | { kind: "side"; text: string };

const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const isObj = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** The user's turn structure in API-neutral form: each entry is a user text or a tool result. */
type Entry = { text: string } | { toolResult: true };

function anthropicEntries(body: Json): Entry[] {
  const out: Entry[] = [];
  for (const m of asArray(body.messages)) {
    if (!isObj(m) || m.role !== "user") continue;
    if (typeof m.content === "string") {
      out.push({ text: m.content });
      continue;
    }
    const blocks = asArray(m.content).filter(isObj);
    if (blocks.some((b) => b.type === "tool_result")) out.push({ toolResult: true });
    else
      out.push({
        text: blocks
          .filter((b) => b.type === "text")
          .map((b) => String(b.text))
          .join("\n"),
      });
  }
  return out;
}

function openaiEntries(body: Json): Entry[] {
  const out: Entry[] = [];
  const input = typeof body.input === "string" ? [{ role: "user", content: body.input }] : asArray(body.input);
  for (const item of input) {
    if (!isObj(item)) continue;
    const type = typeof item.type === "string" ? item.type : "message";
    if (type.endsWith("_output")) out.push({ toolResult: true });
    else if (type === "message" && item.role === "user") {
      const content =
        typeof item.content === "string"
          ? item.content
          : asArray(item.content)
              .filter(isObj)
              .map((c) => String(c.text ?? ""))
              .join("\n");
      out.push({ text: content });
    }
  }
  return out;
}

function geminiEntries(body: Json): Entry[] {
  const out: Entry[] = [];
  for (const c of asArray(body.contents)) {
    if (!isObj(c) || (c.role !== undefined && c.role !== "user")) continue;
    const parts = asArray(c.parts).filter(isObj);
    if (parts.some((p) => p.functionResponse)) out.push({ toolResult: true });
    else out.push({ text: parts.map((p) => (typeof p.text === "string" ? p.text : "")).join("\n") });
  }
  return out;
}

/** Codex sends its tools in `tools` or, in code mode, in an `additional_tools` input item of namespaces. */
function openaiTools(body: Json): Json[] {
  const extra = asArray(body.input)
    .filter((i): i is Json => isObj(i) && i.type === "additional_tools")
    .flatMap((i) => asArray(i.tools));
  const flat = (tools: unknown[]): Json[] =>
    tools.filter(isObj).flatMap((t) => (t.type === "namespace" ? flat(asArray(t.tools)) : [t]));
  return flat([...asArray(body.tools), ...extra]);
}

function hasTools(api: ModelApi, body: Json): boolean {
  if (api === "gemini") return asArray(body.tools).some((t) => isObj(t) && asArray(t.functionDeclarations).length > 0);
  if (api === "openai") return openaiTools(body).length > 0;
  return asArray(body.tools).length > 0;
}

/** Picks the answer from the conversation: which step, and how far along it is. */
function lastUserText(entries: Entry[]): string {
  const texts = entries.flatMap((e) => ("text" in e ? [e.text] : []));
  return texts.at(-1) ?? "";
}

function decide(script: ScriptStep[], entries: Entry[]): { step?: ScriptStep; toolResults: number; reply?: Reply } {
  let last = -1;
  entries.forEach((e, i) => {
    if ("text" in e) last = i;
  });
  if (last < 0) return { toolResults: 0 };
  const userText = (entries[last] as { text: string }).text;
  const toolResults = entries.slice(last + 1).length;
  const step = script.find((s) => userText.includes(s.when));
  if (!step) return { toolResults };
  const commands = step.commands ?? [];
  const command = commands[toolResults];
  if (command !== undefined)
    return { step, toolResults, reply: { kind: "tool-call", command, callIndex: toolResults } };
  return { step, toolResults, reply: { kind: "text", text: step.text } };
}

/** An object fitting a JSON schema (enough for the CLIs' routing / next-speaker / title calls). */
function fillSchema(schema: unknown, text: string): unknown {
  if (!isObj(schema)) return text;
  if (Array.isArray(schema.enum) && schema.enum.length) return schema.enum[0];
  const type = String(schema.type ?? "").toLowerCase();
  if (type === "object" || isObj(schema.properties)) {
    const props = isObj(schema.properties) ? schema.properties : {};
    return Object.fromEntries(Object.entries(props).map(([k, v]) => [k, fillSchema(v, text)]));
  }
  if (type === "array") return [];
  if (type === "boolean") return false;
  if (type === "number" || type === "integer") return typeof schema.minimum === "number" ? schema.minimum : 1;
  return text;
}

const SSE_HEADERS = { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" };
let seq = 0;
const nextId = (prefix: string) => `${prefix}_${Date.now().toString(36)}${(seq++).toString(36)}`;

// ---------------------------------------------------------------------------------------------
// Anthropic Messages

function anthropicContent(reply: Reply, body: Json): Json[] {
  if (reply.kind === "tool-call") {
    const tools = asArray(body.tools)
      .filter(isObj)
      .map((t) => String(t.name));
    const name = tools.includes("Bash") ? "Bash" : (tools.find((t) => /bash|shell/i.test(t)) ?? "Bash");
    return [
      {
        type: "tool_use",
        id: nextId("toolu"),
        name,
        input: { command: reply.command, description: "Run the scripted command" },
      },
    ];
  }
  return [{ type: "text", text: reply.text }];
}

function anthropicAnswer(res: http.ServerResponse, body: Json, reply: Reply) {
  const content = anthropicContent(reply, body);
  const stopReason = reply.kind === "tool-call" ? "tool_use" : "end_turn";
  const message = {
    id: nextId("msg"),
    type: "message",
    role: "assistant",
    model: String(body.model ?? "claude-scripted"),
    stop_sequence: null,
  };
  const usage = { input_tokens: 10, output_tokens: 5, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
  if (!body.stream) {
    res
      .writeHead(200, { "content-type": "application/json" })
      .end(JSON.stringify({ ...message, content, stop_reason: stopReason, usage }));
    return;
  }
  res.writeHead(200, SSE_HEADERS);
  const send = (event: string, data: Json) =>
    res.write(`event: ${event}\ndata: ${JSON.stringify({ type: event, ...data })}\n\n`);
  send("message_start", {
    message: { ...message, content: [], stop_reason: null, usage: { ...usage, output_tokens: 1 } },
  });
  content.forEach((block, index) => {
    if (block.type === "tool_use") {
      send("content_block_start", { index, content_block: { ...block, input: {} } });
      const json = JSON.stringify(block.input);
      const half = Math.floor(json.length / 2);
      for (const part of [json.slice(0, half), json.slice(half)])
        send("content_block_delta", { index, delta: { type: "input_json_delta", partial_json: part } });
    } else {
      send("content_block_start", { index, content_block: { type: "text", text: "" } });
      send("content_block_delta", { index, delta: { type: "text_delta", text: String(block.text) } });
    }
    send("content_block_stop", { index });
  });
  send("message_delta", { delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: 5 } });
  send("message_stop", {});
  res.end();
}

// ---------------------------------------------------------------------------------------------
// OpenAI Responses

/** The output item for a shell command, in whichever shape the request's tools ask for. */
function openaiToolItem(body: Json, command: string): Json {
  const tools = openaiTools(body);
  const named = (n: string) => tools.find((t) => t.name === n);
  const id = nextId("fc");
  const callId = nextId("call");
  // Codex 0.171's code mode: one custom tool `exec` taking JavaScript that calls the nested `tools.exec_command`.
  const exec = named("exec");
  if (exec?.type === "custom") {
    const input = `const r = await tools.exec_command(${JSON.stringify({ cmd: command })});\ntext(r);\n`;
    return { type: "custom_tool_call", id, call_id: callId, name: "exec", input, status: "completed" };
  }
  if (named("exec_command"))
    return {
      type: "function_call",
      id,
      call_id: callId,
      name: "exec_command",
      arguments: JSON.stringify({ cmd: command }),
    };
  if (named("shell_command"))
    return {
      type: "function_call",
      id,
      call_id: callId,
      name: "shell_command",
      arguments: JSON.stringify({ command }),
    };
  if (named("shell"))
    return {
      type: "function_call",
      id,
      call_id: callId,
      name: "shell",
      arguments: JSON.stringify({ command: ["bash", "-lc", command] }),
    };
  if (tools.some((t) => t.type === "local_shell")) {
    return {
      type: "local_shell_call",
      id,
      call_id: callId,
      status: "completed",
      action: { type: "exec", command: ["bash", "-lc", command], env: {} },
    };
  }
  const first = tools.find((t) => t.type === "function");
  return {
    type: "function_call",
    id,
    call_id: callId,
    name: String(first?.name ?? "shell"),
    arguments: JSON.stringify({ command }),
  };
}

function openaiAnswer(res: http.ServerResponse, body: Json, reply: Reply) {
  const responseId = nextId("resp");
  const base = {
    id: responseId,
    object: "response",
    created_at: Math.floor(Date.now() / 1000),
    model: String(body.model ?? "gpt-scripted"),
  };
  const usage = {
    input_tokens: 10,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: 5,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: 15,
  };
  const item: Json =
    reply.kind === "tool-call"
      ? openaiToolItem(body, reply.command)
      : {
          type: "message",
          id: nextId("msg"),
          role: "assistant",
          status: "completed",
          content: [{ type: "output_text", text: reply.text, annotations: [] }],
        };
  if (body.stream === false) {
    res
      .writeHead(200, { "content-type": "application/json" })
      .end(JSON.stringify({ ...base, status: "completed", output: [item], usage }));
    return;
  }
  res.writeHead(200, SSE_HEADERS);
  let n = 0;
  const send = (type: string, data: Json) =>
    res.write(`event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: n++, ...data })}\n\n`);
  send("response.created", { response: { ...base, status: "in_progress", output: [] } });
  send("response.in_progress", { response: { ...base, status: "in_progress", output: [] } });
  const itemId = String(item.id);
  if (item.type === "function_call") {
    send("response.output_item.added", { output_index: 0, item: { ...item, arguments: "", status: "in_progress" } });
    send("response.function_call_arguments.delta", { item_id: itemId, output_index: 0, delta: String(item.arguments) });
    send("response.function_call_arguments.done", {
      item_id: itemId,
      output_index: 0,
      arguments: String(item.arguments),
    });
    send("response.output_item.done", { output_index: 0, item: { ...item, status: "completed" } });
  } else if (item.type === "custom_tool_call") {
    send("response.output_item.added", { output_index: 0, item: { ...item, input: "", status: "in_progress" } });
    send("response.custom_tool_call_input.delta", { item_id: itemId, output_index: 0, delta: String(item.input) });
    send("response.custom_tool_call_input.done", { item_id: itemId, output_index: 0, input: String(item.input) });
    send("response.output_item.done", { output_index: 0, item });
  } else if (item.type === "message") {
    const text = reply.kind === "text" ? reply.text : "";
    send("response.output_item.added", { output_index: 0, item: { ...item, status: "in_progress", content: [] } });
    send("response.content_part.added", {
      item_id: itemId,
      output_index: 0,
      content_index: 0,
      part: { type: "output_text", text: "", annotations: [] },
    });
    send("response.output_text.delta", { item_id: itemId, output_index: 0, content_index: 0, delta: text });
    send("response.output_text.done", { item_id: itemId, output_index: 0, content_index: 0, text });
    send("response.content_part.done", {
      item_id: itemId,
      output_index: 0,
      content_index: 0,
      part: { type: "output_text", text, annotations: [] },
    });
    send("response.output_item.done", { output_index: 0, item });
  } else {
    send("response.output_item.added", { output_index: 0, item });
    send("response.output_item.done", { output_index: 0, item });
  }
  send("response.completed", { response: { ...base, status: "completed", output: [item], usage } });
  res.end();
}

// ---------------------------------------------------------------------------------------------
// Gemini

function geminiAnswer(
  res: http.ServerResponse,
  body: Json,
  reply: Reply,
  model: string,
  sse: boolean,
  stream: boolean,
) {
  let part: Json;
  if (reply.kind === "tool-call") {
    const names = asArray(body.tools)
      .filter(isObj)
      .flatMap((t) =>
        asArray(t.functionDeclarations)
          .filter(isObj)
          .map((f) => String(f.name)),
      );
    const name = names.includes("run_shell_command")
      ? "run_shell_command"
      : (names.find((n) => /shell/.test(n)) ?? "run_shell_command");
    part = { functionCall: { name, args: { command: reply.command, description: "Run the scripted command" } } };
  } else {
    const config = isObj(body.generationConfig) ? body.generationConfig : {};
    const schema = config.responseJsonSchema ?? config.responseSchema;
    part = { text: reply.kind === "side" && schema ? JSON.stringify(fillSchema(schema, reply.text)) : reply.text };
  }
  const chunk = {
    candidates: [{ content: { role: "model", parts: [part] }, finishReason: "STOP", index: 0 }],
    usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 5, totalTokenCount: 15 },
    modelVersion: model,
    responseId: nextId("gem"),
  };
  if (sse) {
    res.writeHead(200, SSE_HEADERS);
    res.end(`data: ${JSON.stringify(chunk)}\r\n\r\n`);
  } else res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(stream ? [chunk] : chunk));
}

// ---------------------------------------------------------------------------------------------

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

export async function startModelServer(opts: ModelServerOptions): Promise<ModelServer> {
  const requests: ModelRequest[] = [];
  const sideText = opts.sideText ?? "Scripted side answer";
  const fallbackText = opts.fallbackText ?? "(no scripted answer)";
  const sideMarkers = opts.sideMarkers ?? ["Do not answer the request."];

  const server = http.createServer(async (req, res) => {
    const raw = await readBody(req);
    let body: unknown = raw;
    try {
      body = raw ? JSON.parse(raw) : {};
    } catch {
      /* keep the raw text */
    }
    const url = new URL(req.url ?? "/", "http://x");
    const p = url.pathname;
    const json: Json = isObj(body) ? body : {};
    const record: ModelRequest = {
      api: "unknown",
      method: req.method ?? "",
      path: req.url ?? "",
      headers: req.headers,
      body,
      userTexts: [],
      toolResults: 0,
      answer: "unknown",
      at: Date.now(),
      remoteAddress: req.socket.remoteAddress ?? "",
    };
    requests.push(record);
    const answer = (api: ModelApi, entries: Entry[], respond: (reply: Reply) => void) => {
      record.api = api;
      record.userTexts = entries.flatMap((e) => ("text" in e ? [e.text] : []));
      const d = decide(opts.script, entries);
      record.toolResults = d.toolResults;
      record.step = d.step;
      const side = !hasTools(api, json) || sideMarkers.some((m) => lastUserText(entries).includes(m));
      const reply: Reply = side ? { kind: "side", text: sideText } : (d.reply ?? { kind: "text", text: fallbackText });
      record.answer = reply.kind;
      opts.onRequest?.(record);
      respond(reply);
    };

    if (req.method === "POST" && /\/messages\/count_tokens$/.test(p)) {
      record.api = "anthropic";
      record.answer = "count";
      opts.onRequest?.(record);
      return void res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ input_tokens: 10 }));
    }
    if (req.method === "POST" && /\/messages$/.test(p))
      return answer("anthropic", anthropicEntries(json), (r) => anthropicAnswer(res, json, r));
    if (req.method === "POST" && /\/responses$/.test(p))
      return answer("openai", openaiEntries(json), (r) => openaiAnswer(res, json, r));
    const gem = /\/models\/([^/:]+):(streamGenerateContent|generateContent|countTokens)$/.exec(p);
    if (req.method === "POST" && gem) {
      const [, model = "gemini", method] = gem;
      if (method === "countTokens") {
        record.api = "gemini";
        record.answer = "count";
        opts.onRequest?.(record);
        return void res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ totalTokens: 10 }));
      }
      const stream = method === "streamGenerateContent";
      return answer("gemini", geminiEntries(json), (r) =>
        geminiAnswer(res, json, r, model, stream && url.searchParams.get("alt") === "sse", stream),
      );
    }
    opts.onRequest?.(record);
    res
      .writeHead(404, { "content-type": "application/json" })
      .end(JSON.stringify({ error: { type: "not_found", message: `scripted model server: no ${req.method} ${p}` } }));
  });
  const host = opts.host ?? "127.0.0.1";
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  const urlHost = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host.includes(":") ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${port}`,
    port,
    requests,
    turns: () => requests.filter((r) => r.answer === "tool-call" || r.answer === "text"),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
