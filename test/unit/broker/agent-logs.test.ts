import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { cleanLine, LOG_READ_MAX_BYTES, readLogSince, tailLog } from "../../../broker/agent-logs";
import { harnessLogPipe, parseScreen, screenArgs } from "../../../broker/runtimes/agent-runtime";

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "agent-logs-"));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("cleanLine", () => {
  it("drops colours, cursor moves, titles and control characters, and keeps what a redrawn line finally shows", () => {
    expect(cleanLine("\x1b[1;31mred\x1b[0m plain\r")).toBe("red plain");
    expect(cleanLine("\x1b]0;a title\x07prompt$ \x1b[?2004h")).toBe("prompt$ ");
    expect(cleanLine("progress 10%\rprogress 99%")).toBe("progress 99%");
    expect(cleanLine("bell\x07 and\tTab")).toBe("bell and\tTab");
  });
});

describe("tailLog and readLogSince", () => {
  it("tails the last lines and then follows only what was appended, whole lines only", () => {
    const file = path.join(dir, "harness.log");
    fs.writeFileSync(file, "one\ntwo\nthree\npart");
    const tail = tailLog(file, 2);
    expect(tail.lines).toEqual(["three", "part"]);
    // The unfinished line is shown in the tail and read again, finished, by the follow.
    expect(tail.offset).toBe(Buffer.byteLength("one\ntwo\nthree\n"));
    expect(readLogSince(file, tail.offset)).toEqual({ lines: [], offset: tail.offset });
    fs.appendFileSync(file, "ial\nfour\n");
    const next = readLogSince(file, tail.offset);
    expect(next.lines).toEqual(["partial", "four"]);
    expect(next.offset).toBe(fs.statSync(file).size);
    expect(tailLog(file, 0).lines).toEqual([]);
  });

  it("reads a log that shrank from its start, and bounds every read", () => {
    const file = path.join(dir, "shim.log");
    fs.writeFileSync(file, "short\n");
    expect(readLogSince(file, 10_000).lines).toEqual(["short"]);
    fs.writeFileSync(file, `${"x".repeat(LOG_READ_MAX_BYTES * 2)}\nend\n`);
    const first = readLogSince(file, 0);
    expect(first.offset).toBe(LOG_READ_MAX_BYTES);
    expect(first.lines[0]!.length).toBe(LOG_READ_MAX_BYTES);
    expect(tailLog(file, 5).lines).toEqual(["end"]);
  });

  it("never follows a link, reads a FIFO or a file with other names (an agent could plant them)", () => {
    const secret = path.join(dir, "broker-secret");
    fs.writeFileSync(secret, "the broker's secret\n");
    fs.symlinkSync(secret, path.join(dir, "link.log"));
    fs.linkSync(secret, path.join(dir, "hard.log"));
    execFileSync("mkfifo", [path.join(dir, "fifo.log")]);
    for (const name of ["link.log", "hard.log", "fifo.log", "missing.log"]) {
      expect([name, tailLog(path.join(dir, name), 10)]).toEqual([name, { lines: [], offset: 0 }]);
      expect([name, readLogSince(path.join(dir, name), 0)]).toEqual([name, { lines: [], offset: 0 }]);
    }
  });
});

describe("screen and harness log commands", () => {
  it("asks tmux for the size and the screen in one call, and splits its answer", () => {
    expect(screenArgs("=s:", false)).toEqual([
      "display-message",
      "-p",
      "-t",
      "=s:",
      "#{pane_width} #{pane_height}",
      ";",
      "capture-pane",
      "-p",
      "-t",
      "=s:",
    ]);
    expect(screenArgs("s:", true)).toContain("-e");
    expect(parseScreen("120 40\r\n$ ls\r\nfile\r\n")).toEqual({ cols: 120, rows: 40, text: "$ ls\nfile\n" });
  });

  it("pipes the harness's output into a file whose name is quoted for the shell", () => {
    const file = path.join(dir, "it's here.log");
    execFileSync("sh", ["-c", `printf 'hello\\n' | ${harnessLogPipe(file)}`]);
    expect(fs.readFileSync(file, "utf8")).toBe("hello\n");
  });
});
