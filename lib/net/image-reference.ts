/**
 * A container image reference as templates name it and brokers accept it: `name[:tag][@digest]`
 * with an optional registry host (`ghcr.io/org/image:tag`, `localhost/scion-agent:v3`). Letters,
 * digits and `. _ / : @ -`, starting with a letter or digit; the engine decides the rest.
 */
export const IMAGE_REFERENCE = /^[A-Za-z0-9][A-Za-z0-9._/:@-]{0,254}$/;

/** The same, or a prefix of one ending in `*` (a broker's allow-list entry). */
export const IMAGE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._/:@-]{0,254}\*?$/;
