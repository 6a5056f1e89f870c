"use client";

import { useEffect, useRef, type ReactNode } from "react";

/**
 * A modal on the native <dialog>: focus is trapped, Escape closes, the page behind is inert.
 * `onOpen` runs each time it opens (to reset a form).
 */
export function Modal({
  open,
  onClose,
  onOpen,
  labelledBy,
  width = "max-w-lg",
  children,
}: {
  open: boolean;
  onClose: () => void;
  onOpen?: () => void;
  labelledBy: string;
  width?: string;
  children: ReactNode;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const onOpenRef = useRef(onOpen);
  useEffect(() => {
    onOpenRef.current = onOpen;
  });
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) {
      onOpenRef.current?.();
      dialog.showModal();
    }
    if (!open && dialog.open) dialog.close();
  }, [open]);
  return (
    <dialog
      ref={ref}
      onClose={onClose}
      aria-labelledby={labelledBy}
      className={`m-auto w-full ${width} rounded-lg border border-zinc-200 bg-white p-0 text-zinc-900 backdrop:bg-black/40 dark:border-zinc-700 dark:bg-zinc-900 dark:text-zinc-100`}
    >
      {children}
    </dialog>
  );
}
