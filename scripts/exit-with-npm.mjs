/**
 * Under `npm start` or `npm run broker`, npm (or the shell it runs us in) is our parent, and npm
 * does not pass a SIGTERM on: it exits 143 and leaves us running, parented to init (a hub still
 * holding its port, a broker still connected). So when npm started us and our parent goes away,
 * we stop as if signalled ourselves: the process's own SIGTERM handler shuts it down gracefully.
 * Run directly (systemd, a container's entrypoint, `scion server start`) this does nothing.
 */
export function exitWithNpm() {
  if (!process.env.npm_lifecycle_event) return;
  const parent = process.ppid;
  const watch = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(watch);
    process.kill(process.pid, "SIGTERM");
  }, 250);
  watch.unref();
}
