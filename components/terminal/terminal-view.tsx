"use client";

import { FitAddon } from "@xterm/addon-fit";
import { Terminal } from "@xterm/xterm";
import "@xterm/xterm/css/xterm.css";
import { useEffect, useRef, useState } from "react";

type Status = "connecting" | "connected" | "disconnected";

const BACKOFF_MS = [500, 1000, 2000, 4000, 8000, 10_000];

/**
 * The agent's terminal: xterm.js with the fit addon over the hub's PTY WebSocket (binary frames
 * both ways, JSON resize). The size follows the window; Ctrl+Shift+C (or Ctrl+C with a
 * selection) copies, Ctrl+Shift+V / Ctrl+V pastes, Shift+Enter sends ESC CR. When the socket
 * drops, a DISCONNECTED overlay covers the terminal (only once a connection had existed) and it
 * reconnects with backoff; tmux redraws the screen on re-attach. The state is published as
 * data-status for people, styles and tests.
 */
export function TerminalView({ agentId }: { agentId: string }) {
  const hostRef = useRef<HTMLDivElement>(null);
  const [status, setStatus] = useState<Status>("connecting");
  const [hadConnection, setHadConnection] = useState(false);
  const [reason, setReason] = useState<string | null>(null);

  useEffect(() => {
    const host = hostRef.current;
    if (!host) return;
    const term = new Terminal({
      cursorBlink: true,
      fontSize: 14,
      fontFamily: "ui-monospace, SFMono-Regular, Menlo, monospace",
      scrollback: 5000,
      theme: { background: "#0a0a0a" },
    });
    const fit = new FitAddon();
    term.loadAddon(fit);
    term.open(host);
    fit.fit();
    const encoder = new TextEncoder();
    let ws: WebSocket | undefined;
    let disposed = false;
    let attempt = 0;
    let retryTimer: ReturnType<typeof setTimeout> | undefined;
    let resizeTimer: ReturnType<typeof setTimeout> | undefined;

    const send = (data: string | Uint8Array) => {
      if (ws?.readyState !== WebSocket.OPEN) return;
      ws.send(typeof data === "string" ? encoder.encode(data) : data);
    };
    const sendSize = () =>
      ws?.readyState === WebSocket.OPEN &&
      ws.send(JSON.stringify({ type: "resize", cols: term.cols, rows: term.rows }));

    const connect = () => {
      if (disposed) return;
      setStatus("connecting");
      const proto = window.location.protocol === "https:" ? "wss:" : "ws:";
      const socket = new WebSocket(
        `${proto}//${window.location.host}/api/v1/agents/${agentId}/pty?cols=${term.cols}&rows=${term.rows}`,
      );
      socket.binaryType = "arraybuffer";
      ws = socket;
      socket.onopen = () => {
        if (disposed) return socket.close();
        attempt = 0;
        setStatus("connected");
        setHadConnection(true);
        setReason(null);
        sendSize();
        term.focus();
      };
      socket.onmessage = (event) => {
        if (typeof event.data === "string") {
          const control = JSON.parse(event.data) as { type?: string; message?: string };
          if (control.type === "error") setReason(control.message ?? null);
          return;
        }
        term.write(new Uint8Array(event.data as ArrayBuffer));
      };
      socket.onclose = (event) => {
        if (disposed || ws !== socket) return;
        setStatus("disconnected");
        setReason(event.reason || (event.code === 1006 ? "The connection was lost." : null));
        const delay = BACKOFF_MS[Math.min(attempt++, BACKOFF_MS.length - 1)]!;
        retryTimer = setTimeout(connect, delay);
      };
    };

    term.onData((data) => send(data));
    term.onBinary((data) => send(Uint8Array.from(data, (c) => c.charCodeAt(0))));
    term.attachCustomKeyEventHandler((e) => {
      if (e.type !== "keydown") return true;
      const mod = e.ctrlKey || e.metaKey;
      if (e.key === "Enter" && e.shiftKey) {
        send("\x1b\r");
        return false;
      }
      if (mod && (e.key === "c" || e.key === "C") && (e.shiftKey || term.hasSelection())) {
        void navigator.clipboard?.writeText(term.getSelection());
        return false;
      }
      // Paste: keep ^V from the shell and let the browser's own paste event reach xterm (reading
      // the clipboard here as well would paste twice).
      if (mod && (e.key === "v" || e.key === "V")) return false;
      return true;
    });
    const onResize = () => {
      clearTimeout(resizeTimer);
      resizeTimer = setTimeout(() => {
        fit.fit();
        sendSize();
      }, 100);
    };
    window.addEventListener("resize", onResize);
    connect();
    return () => {
      disposed = true;
      clearTimeout(retryTimer);
      clearTimeout(resizeTimer);
      window.removeEventListener("resize", onResize);
      ws?.close(1000, "closed by the page");
      term.dispose();
    };
  }, [agentId]);

  return (
    <div data-status={status} className="flex min-h-0 flex-1 flex-col gap-2">
      <p className="text-sm" role="status">
        <span
          className={`mr-2 inline-block h-2 w-2 rounded-full ${status === "connected" ? "bg-green-600" : status === "connecting" ? "bg-amber-500" : "bg-red-600"}`}
          aria-hidden="true"
        />
        {status === "connected" ? "Connected" : status === "connecting" ? "Connecting…" : "Disconnected — reconnecting"}
      </p>
      <div className="relative min-h-[24rem] flex-1 overflow-hidden rounded-lg bg-[#0a0a0a] p-2">
        <div ref={hostRef} className="h-full w-full" aria-label="Terminal" />
        {status !== "connected" && hadConnection && (
          <div
            role="alert"
            className="absolute inset-0 flex flex-col items-center justify-center gap-2 bg-black/75 text-white"
            data-testid="disconnected-overlay"
          >
            <p className="text-2xl font-bold tracking-widest">DISCONNECTED</p>
            <p className="text-sm text-zinc-300">
              {reason
                ? `${reason.charAt(0).toUpperCase()}${reason.slice(1).replace(/\.$/, "")}.`
                : "The connection to the agent dropped."}{" "}
              Reconnecting…
            </p>
          </div>
        )}
      </div>
    </div>
  );
}
