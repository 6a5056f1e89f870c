import type { SVGProps } from "react";

/** A small set of stroke icons (24×24 grid, currentColor), decorative unless labelled by their button. */
const paths = {
  play: "M7 4.5v15l12-7.5-12-7.5z",
  stop: "M6 6h12v12H6z",
  restart: "M4 12a8 8 0 1 0 2.3-5.7M4 4v4h4",
  trash: "M4 7h16M10 11v6M14 11v6M6 7l1 13h10l1-13M9 7V4h6v3",
  terminal: "M4 5h16v14H4zM7 9l3 3-3 3M12 15h5",
  key: "M14 10a4 4 0 1 0-3.5 4L9 16v2h2v2h3l1-1.5V16l2.5-2.5A4 4 0 0 0 14 10z",
  grid: "M4 4h7v7H4zM13 4h7v7h-7zM4 13h7v7H4zM13 13h7v7h-7z",
  list: "M8 6h12M8 12h12M8 18h12M4 6h.01M4 12h.01M4 18h.01",
  plus: "M12 5v14M5 12h14",
  chevronUp: "M6 15l6-6 6 6",
  chevronDown: "M6 9l6 6 6-6",
  x: "M6 6l12 12M18 6L6 18",
} as const;

export type IconName = keyof typeof paths;

export function Icon({ name, ...props }: { name: IconName } & SVGProps<SVGSVGElement>) {
  return (
    <svg
      viewBox="0 0 24 24"
      width="16"
      height="16"
      fill="none"
      stroke="currentColor"
      strokeWidth={2}
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
      {...props}
    >
      <path d={paths[name]} />
    </svg>
  );
}
