/**
 * A reason the hub cannot start, phrased as the single line printed before exiting non-zero.
 * It names the setting or resource at fault (e.g. "PORT: 127.0.0.1:8080 is already in use").
 */
export class StartupError extends Error {
  override name = "StartupError";
}
