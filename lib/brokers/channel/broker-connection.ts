import type { Duplex } from "node:stream";
import type { WebSocket } from "ws";
import type { ChannelPeer } from "./channel-peer";

// Types only: the runtime, the channel's upgrade handler and the terminal all name these, so
// they live apart from any of them (importing the handler for a type made an import cycle).

/** A browser terminal waiting for, or joined to, the tunnel its broker dials (lib/terminal/accept-terminal.ts). */
export interface HubTerminal {
  /** The browser's socket. */
  readonly socket: Duplex;
  /** The broker's tunnel arrived (signature checked): answer it and join it to the browser's socket. */
  join(tunnel: Duplex, head: Buffer): void;
  /** End the terminal: the broker closes the browser's WebSocket with this code and reason. */
  ended(reason: string, code: number): void;
}

/** A broker's control channel held by this replica (lib/brokers/channel/accept-broker-channel.ts opens it). */
export interface HubBrokerConnection {
  brokerId: string;
  sessionId: string;
  peer: ChannelPeer;
  ws: WebSocket;
  /** Settles once the disconnect has been recorded (or found stale). */
  released: Promise<void>;
  /** Browser terminals of this broker, by stream number. */
  terminals: Map<number, HubTerminal>;
  nextStream: number;
}
