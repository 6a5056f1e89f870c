import { loadShimConfig } from "./config";
import { clientFor, HubRequestError } from "./hub-client";

const MAX_BYTES = 16_384;

/**
 * `scion-agent say "text"` and `scion-agent ask "question"`: a message from the agent to its
 * owner, with the agent's own token. It lands in the owner's inbox (and notifications); an ask
 * also marks the agent waiting for input. Both return at once: the person's answer arrives later,
 * typed into the agent's session like any message. The text is the arguments joined by spaces,
 * or standard input when there are none (`echo … | scion-agent say`). Prints the message id.
 */
export async function say(
  kind: "say" | "ask",
  args: string[],
  log: (level: "info" | "warn", message: string) => void,
): Promise<number> {
  if (args[0] === "--help" || args[0] === "-h") {
    process.stdout.write(
      `usage: scion-agent ${kind} <text…>   (or the text on standard input)\n` +
        (kind === "ask"
          ? "Asks the agent's owner a question; the agent shows as waiting for input until they answer.\n"
          : "Tells the agent's owner something (their inbox and notifications).\n"),
    );
    return 0;
  }
  const text = (args.length > 0 ? args.join(" ") : await readStdin()).trim();
  if (!text) {
    log("warn", `usage: scion-agent ${kind} <text…>: the message is empty`);
    return 2;
  }
  if (Buffer.byteLength(text, "utf8") > MAX_BYTES) {
    log("warn", `the message is over ${MAX_BYTES} bytes; send a shorter one (or point to a file)`);
    return 2;
  }
  const { config, problems } = loadShimConfig();
  if (!config) {
    log("warn", problems.join("; "));
    return 2;
  }
  const client = clientFor(config, log);
  try {
    const message = await client.message({ body: text, kind });
    process.stdout.write(`${message.id}\n`);
    return 0;
  } catch (err) {
    log("warn", `the hub refused the message: ${(err as Error).message}`);
    return err instanceof HubRequestError && err.status < 500 ? 2 : 1;
  }
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) return "";
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
