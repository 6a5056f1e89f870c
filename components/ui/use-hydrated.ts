"use client";

import { useSyncExternalStore } from "react";

/** For useSyncExternalStore over a value that never changes while the page lives. */
export const noSubscription = () => () => undefined;

/**
 * False in the server's HTML and until React has hydrated it in the browser, true after. A control
 * whose action needs JavaScript (a click handler, not a form post) stays disabled until then, so a
 * click on the bare HTML is never swallowed: the person (or a test) sees it is not ready yet.
 */
export function useHydrated(): boolean {
  return useSyncExternalStore(
    noSubscription,
    () => true,
    () => false,
  );
}
