/** How often a paused side checks whether the queue it waits on has drained. */
const DRAIN_POLL_MS = 10;

/** The side data is read from: a WebSocket (browser or relay). */
export interface Pausable {
  pause(): void;
  resume(): void;
}

/**
 * Backpressure between two sockets: when more than `highWater` bytes are queued towards one side,
 * reading from the other pauses until the queue drains below half of it, or until `ended()` says
 * the pair has closed. A flood therefore stays bounded here instead of piling up in memory.
 */
export function pauseWhileQueued(
  reader: Pausable,
  queued: () => number,
  highWater: number,
  ended: () => boolean,
): void {
  if (queued() <= highWater) return;
  reader.pause();
  const check = setInterval(() => {
    if (ended() || queued() < highWater / 2) {
      clearInterval(check);
      reader.resume();
    }
  }, DRAIN_POLL_MS);
}
