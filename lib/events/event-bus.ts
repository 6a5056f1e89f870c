/**
 * Hub events: every state change is published on a subject such as `agent.<id>.status`.
 * Subscribers never block publishers: each has a bounded queue, and when it overflows (or the
 * transport lost events, e.g. a LISTEN reconnect) the subscriber gets one `resync` delivery and
 * must refetch what it shows.
 */
export interface HubEvent {
  subject: string;
  data: unknown;
}

export type EventDelivery = { kind: "event"; event: HubEvent } | { kind: "resync"; reason: string };

export interface EventBus {
  /** Subscribes to subjects matching any pattern (`*` one token, `>` the rest). Returns unsubscribe. */
  subscribe(
    patterns: string[],
    onDelivery: (delivery: EventDelivery) => void,
    options?: { queueLimit?: number },
  ): () => void;
  publish(event: HubEvent): Promise<void>;
  /**
   * Publishes several events in order, as `publish` does one by one, but in one round trip where
   * the transport allows (a batch of status changes).
   */
  publishMany(events: HubEvent[]): Promise<void>;
  close(): Promise<void>;
  /** Publishes as part of the caller's transaction (a pg client inside BEGIN): on commit, never after a rollback. */
  publishIn?(tx: { query(sql: string, params: unknown[]): Promise<unknown> }, event: HubEvent): Promise<void>;
  /** Whether events reach other replicas now (the Postgres listener is connected); true in memory. */
  readonly isListening?: boolean;
}

/** NATS-style subject matching: `*` matches one token, a trailing `>` matches one or more. */
export function subjectMatches(pattern: string, subject: string): boolean {
  return tokensMatch(pattern.split("."), subject.split("."));
}

/** subjectMatches on patterns and subjects already split at their dots (split once, matched many times). */
export function tokensMatch(p: readonly string[], s: readonly string[]): boolean {
  for (let i = 0; i < p.length; i++) {
    if (p[i] === ">") return i === p.length - 1 && s.length > i;
    if (i >= s.length) return false;
    if (p[i] !== "*" && p[i] !== s[i]) return false;
  }
  return p.length === s.length;
}
