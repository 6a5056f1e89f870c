/**
 * The `scion` command line's entry. `npx scion …` runs bin/scion.mjs, which runs the bundled build
 * of this file (fast to start); `node --import tsx cli/scion.ts …` runs it from source.
 */
import { runCli } from "./program";

runCli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // Output first: a long `--json` on a pipe must be written out before the process ends.
    process.stdout.write("", () => process.exit(code));
  },
  (err: unknown) => {
    process.stderr.write(`scion: ${(err as Error)?.message ?? String(err)}\n`);
    process.exit(1);
  },
);
