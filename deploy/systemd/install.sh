#!/usr/bin/env bash
# Installs Scion Hub and its runtime broker as systemd services on this machine:
#   - the system user and group `scion` (the hub runs as it; the broker runs as root),
#   - the application in /opt/scion-hub, copied from a checkout where `npm ci` ran, with the
#     dashboard and the server bundle built there (so the hub starts without writing to it),
#   - /etc/scion/hub.env and /etc/scion/broker.env from the examples, only when missing,
#   - scion-hub.service and scion-broker.service in /etc/systemd/system, then daemon-reload.
# Safe to run again (an upgrade is the same command): settings are kept, the application is
# replaced as a whole, nothing is started or restarted. --dry-run prints what it would do.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SOURCE="$(cd "$HERE/../.." && pwd)"
PREFIX=/opt/scion-hub
CONF_DIR=/etc/scion
UNIT_DIR=/etc/systemd/system
SERVICE_USER=scion
DRY_RUN=0

usage() {
  cat <<EOF
usage: deploy/systemd/install.sh [--dry-run] [--source DIR]

  --dry-run     print each step instead of running it
  --source DIR  the checkout to install (default: $SOURCE); run npm ci there first
EOF
}

while [ $# -gt 0 ]; do
  case "$1" in
    --dry-run) DRY_RUN=1 ;;
    --source) SOURCE="${2:?--source needs a directory}"; shift ;;
    --source=*) SOURCE="${1#--source=}" ;;
    -h | --help) usage; exit 0 ;;
    *) echo "install.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
  shift
done

say() { printf '== %s\n' "$*"; }
die() { printf 'install.sh: %s\n' "$*" >&2; exit 1; }

# Runs a command, or prints it (shell-quoted) with --dry-run.
run() {
  if [ "$DRY_RUN" = 1 ]; then
    printf '+'; printf ' %q' "$@"; printf '\n'
  else
    "$@"
  fi
}

# The same for a pipeline or a redirection, given as one shell string.
run_sh() {
  if [ "$DRY_RUN" = 1 ]; then printf '+ %s\n' "$1"; else bash -c "$1"; fi
}

# ---- Checks -------------------------------------------------------------------------------------
[ "$DRY_RUN" = 1 ] || [ "$(id -u)" = 0 ] || die "run as root (or with --dry-run to see what it does)"
SOURCE="$(cd "$SOURCE" 2>/dev/null && pwd)" || die "--source: no such directory"
grep -q '"name": "scion-hub"' "$SOURCE/package.json" 2>/dev/null || die "$SOURCE is not a Scion Hub checkout"
[ -d "$SOURCE/node_modules" ] || die "$SOURCE/node_modules is missing: run npm ci there first"
NODE="$(command -v node)" || die "node is not on the PATH (Node.js 20.19 or newer is needed)"
node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' ||
  die "Node.js 20.19 or newer is needed (found $(node --version))"

# ---- The user -----------------------------------------------------------------------------------
if getent passwd "$SERVICE_USER" >/dev/null; then
  say "user $SERVICE_USER exists"
else
  say "creating the system user $SERVICE_USER"
  run useradd --system --user-group --home-dir /var/lib/scion --no-create-home \
    --shell /usr/sbin/nologin --comment "Scion Hub" "$SERVICE_USER"
fi

# ---- The application ----------------------------------------------------------------------------
# Staged next to its place and swapped in whole, so a failed copy or build leaves the installed
# version as it was. Local state (data directories, test output, caches) is not copied.
STAGE="$PREFIX.new"
say "copying $SOURCE to $PREFIX"
run rm -rf "$STAGE" "$PREFIX.old"
run mkdir -p "$STAGE"
run_sh "tar -C '$SOURCE' --exclude=./.git --exclude=./.scion --exclude=./.scion-broker \
--exclude=./test-results --exclude=./playwright-report --exclude=./.next/cache \
--exclude=./node_modules/.cache -cf - . | tar -C '$STAGE' --no-same-owner -xf -"
say "building the dashboard and the server bundle (when their sources changed)"
run_sh "cd '$STAGE' && NODE_ENV=production '$NODE' scripts/build-if-stale.mjs"
run_sh "cd '$STAGE' && '$NODE' --input-type=module \
-e 'const m = await import(\"./scripts/build-server.mjs\"); await m.buildServerIfStale(process.cwd());'"
# Owned by root, readable by all; the hub writes only Next.js's runtime cache.
run chown -R root:root "$STAGE"
run chmod -R go-w,a+rX "$STAGE"
run install -d -o "$SERVICE_USER" -g "$SERVICE_USER" -m 0750 "$STAGE/.next/cache"
if [ -e "$PREFIX" ]; then run mv "$PREFIX" "$PREFIX.old"; fi
run mv "$STAGE" "$PREFIX"
run rm -rf "$PREFIX.old"

# ---- Settings -----------------------------------------------------------------------------------
run install -d -o root -g "$SERVICE_USER" -m 0750 "$CONF_DIR"
for pair in "hub.env:0640:$SERVICE_USER" "broker.env:0600:root"; do
  IFS=: read -r name mode group <<<"$pair"
  if [ -e "$CONF_DIR/$name" ]; then
    say "keeping $CONF_DIR/$name"
  else
    say "installing $CONF_DIR/$name (edit it before starting)"
    run install -o root -g "$group" -m "$mode" "$HERE/$name.example" "$CONF_DIR/$name"
  fi
done

# ---- Units --------------------------------------------------------------------------------------
say "installing scion-hub.service and scion-broker.service"
for unit in scion-hub.service scion-broker.service; do
  run install -o root -g root -m 0644 "$HERE/$unit" "$UNIT_DIR/$unit"
  # The units name /usr/bin/node; a Node.js elsewhere gets a drop-in naming it instead.
  dropin="$UNIT_DIR/$unit.d/node.conf"
  if [ "$NODE" = /usr/bin/node ]; then
    run rm -f "$dropin"
  else
    command="$(sed -n 's#^ExecStart=/usr/bin/node #ExecStart='"$NODE"' #p' "$HERE/$unit")"
    run install -d -m 0755 "$UNIT_DIR/$unit.d"
    run_sh "printf '[Service]\nExecStart=\n%s\n' '$command' > '$dropin'"
  fi
done
if [ -d /run/systemd/system ]; then
  run systemctl daemon-reload
else
  say "systemd is not running on this machine: run systemctl daemon-reload once it is"
fi

say "done. Next:"
cat <<EOF
   1. edit $CONF_DIR/hub.env (sign-in, public URL, admins) and $CONF_DIR/broker.env
   2. systemctl enable --now scion-hub
   3. register the broker on the hub (Brokers page), put its join token in $CONF_DIR/broker.env,
      then: systemctl enable --now scion-broker
   An upgrade: run this script again from the new checkout, then systemctl restart scion-hub scion-broker
EOF
