"use client";

import { useCallback, useMemo, useSyncExternalStore } from "react";
import type { z } from "zod";

const CHANGED = "scion-stored-state";

function subscribe(onChange: () => void): () => void {
  window.addEventListener("storage", onChange);
  window.addEventListener(CHANGED, onChange);
  return () => {
    window.removeEventListener("storage", onChange);
    window.removeEventListener(CHANGED, onChange);
  };
}

/**
 * State kept in localStorage under `key`. What is stored is validated with `schema` before use
 * (a stale or tampered value falls back to the default). The server render and hydration use
 * the default, so the first paint and the first client render agree.
 */
export function useStoredState<T>(key: string, schema: z.ZodType<T>, initial: T): [T, (value: T) => void] {
  const raw = useSyncExternalStore(
    subscribe,
    () => {
      try {
        return window.localStorage.getItem(key);
      } catch {
        return null;
      }
    },
    () => null,
  );
  const value = useMemo(() => {
    if (raw === null) return initial;
    try {
      const parsed = schema.safeParse(JSON.parse(raw));
      return parsed.success ? parsed.data : initial;
    } catch {
      return initial;
    }
  }, [raw, schema, initial]);
  const set = useCallback(
    (next: T) => {
      try {
        window.localStorage.setItem(key, JSON.stringify(next));
      } catch {
        // storage full or disabled: nothing to remember
      }
      window.dispatchEvent(new Event(CHANGED));
    },
    [key],
  );
  return [value, set];
}
