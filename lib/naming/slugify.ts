/** A URL-safe slug from a display name: "My Project!" → "my-project"; never empty. */
export function slugify(name: string, fallback = "item"): string {
  const slug = name
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 63)
    .replace(/-+$/, "");
  return slug || fallback;
}
