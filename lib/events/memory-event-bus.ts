import { tokensMatch, type EventBus, type EventDelivery, type HubEvent } from "./event-bus";

interface Subscriber {
  /** The patterns, split at their dots once. */
  patterns: string[][];
  onDelivery: (d: EventDelivery) => void;
  queue: EventDelivery[];
  queueLimit: number;
  overflowed: boolean;
  scheduled: boolean;
}

/**
 * In-process event bus. Deliveries are queued per subscriber and drained on a microtask, so a
 * slow or throwing subscriber never blocks publish(); an overflowing queue is replaced by one
 * resync. The Postgres LISTEN/NOTIFY bus keeps this contract across replicas.
 */
export class MemoryEventBus implements EventBus {
  private subscribers = new Set<Subscriber>();
  private closed = false;

  subscribe(
    patterns: string[],
    onDelivery: (d: EventDelivery) => void,
    options: { queueLimit?: number } = {},
  ): () => void {
    const sub: Subscriber = {
      patterns: patterns.map((p) => p.split(".")),
      onDelivery,
      queue: [],
      queueLimit: options.queueLimit ?? 1024,
      overflowed: false,
      scheduled: false,
    };
    this.subscribers.add(sub);
    return () => this.subscribers.delete(sub);
  }

  async publishMany(events: HubEvent[]): Promise<void> {
    for (const event of events) await this.publish(event);
  }

  async publish(event: HubEvent): Promise<void> {
    if (this.closed) throw new Error("event bus is closed");
    const subject = event.subject.split(".");
    for (const sub of this.subscribers) {
      if (!sub.patterns.some((p) => tokensMatch(p, subject))) continue;
      this.enqueue(sub, { kind: "event", event });
    }
  }

  /** Tells every subscriber it may have missed events (used when the transport lost some). */
  resyncAll(reason: string): void {
    for (const sub of this.subscribers) this.enqueue(sub, { kind: "resync", reason });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.subscribers.clear();
  }

  private enqueue(sub: Subscriber, delivery: EventDelivery): void {
    if (sub.overflowed) return;
    if (sub.queue.length >= sub.queueLimit) {
      sub.overflowed = true;
      sub.queue = [{ kind: "resync", reason: "subscriber queue overflowed" }];
    } else {
      sub.queue.push(delivery);
    }
    if (!sub.scheduled) {
      sub.scheduled = true;
      queueMicrotask(() => this.drain(sub));
    }
  }

  private drain(sub: Subscriber): void {
    const batch = sub.queue;
    sub.queue = [];
    sub.overflowed = false;
    sub.scheduled = false;
    for (const delivery of batch) {
      if (!this.subscribers.has(sub)) return;
      try {
        sub.onDelivery(delivery);
      } catch {
        // A subscriber's failure is its own; the bus keeps delivering to the others.
      }
    }
  }
}
