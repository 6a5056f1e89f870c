"use client";

import type { ButtonHTMLAttributes } from "react";
import { Icon, type IconName } from "./icons";

export type ActionTone = "start" | "stop" | "restart" | "danger" | "neutral";

// Colour only on hover/focus and never while disabled: the meaning of a button is its label.
const TONES: Record<ActionTone, string> = {
  start:
    "enabled:hover:text-green-700 enabled:hover:bg-green-50 dark:enabled:hover:text-green-300 dark:enabled:hover:bg-green-950",
  stop: "enabled:hover:text-red-700 enabled:hover:bg-red-50 dark:enabled:hover:text-red-300 dark:enabled:hover:bg-red-950",
  danger:
    "enabled:hover:text-red-700 enabled:hover:bg-red-50 dark:enabled:hover:text-red-300 dark:enabled:hover:bg-red-950",
  restart:
    "enabled:hover:text-amber-700 enabled:hover:bg-amber-50 dark:enabled:hover:text-amber-300 dark:enabled:hover:bg-amber-950",
  neutral:
    "enabled:hover:text-zinc-900 enabled:hover:bg-zinc-100 dark:enabled:hover:text-zinc-100 dark:enabled:hover:bg-zinc-800",
};

/** An icon-only button: the label is its aria-label and its tooltip. */
export function IconButton({
  icon,
  label,
  tone = "neutral",
  className = "",
  ...props
}: { icon: IconName; label: string; tone?: ActionTone } & ButtonHTMLAttributes<HTMLButtonElement>) {
  return (
    <button
      type="button"
      aria-label={label}
      title={label}
      data-tone={tone}
      className={`inline-flex h-8 w-8 items-center justify-center rounded-md text-zinc-600 transition-colors focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-blue-600 disabled:cursor-not-allowed disabled:opacity-40 dark:text-zinc-300 ${TONES[tone]} ${className}`}
      {...props}
    >
      <Icon name={icon} />
    </button>
  );
}
