import type { WebSocket } from "ws";
import type { ChannelPeer } from "./channel-peer";

// Types only: the runtime, the channel's upgrade handler and the terminal all name these, so
// they live apart from any of them (importing the handler for a type made an import cycle).

/** What a broker connection needs to route a terminal's output and end. */
export interface HubTerminal {
  output(payload: Buffer): void;
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
  /** Browser terminals relayed through this channel, by stream number. */
  terminals: Map<number, HubTerminal>;
  nextStream: number;
}
