#!/bin/sh
# Stand-ins for the official postgres and nginx images that deploy/compose.yaml names, built
# offline from Debian's own packages (PostgreSQL 15, nginx 1.22) for machines without a registry
# (test/deploy/compose.test.ts uses them through POSTGRES_IMAGE and PROXY_IMAGE). They keep the
# interface compose.yaml relies on: postgres takes POSTGRES_USER, POSTGRES_PASSWORD and
# POSTGRES_DB and keeps its data in /var/lib/postgresql/data; nginx reads
# /etc/nginx/conf.d/default.conf and logs to the container's output. One rootfs serves both.
#   docker/stand-ins/build-offline.sh [postgres-image] [nginx-image] [engine]
# Defaults: localhost/scion-postgres-standin:15, localhost/scion-nginx-standin:1.22, podman.
# SCION_IMAGE_INPUTS, when set, is recorded as the label scion.inputs.
set -eu
PG_IMAGE="${1:-localhost/scion-postgres-standin:15}"
NGINX_IMAGE="${2:-localhost/scion-nginx-standin:1.22}"
ENGINE="${3:-podman}"
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
HERE="$(cd "$(dirname "$0")" && pwd)"
WORK="$(mktemp -d /var/tmp/scion-standins.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
ROOTFS="$WORK/rootfs"
echo "building $PG_IMAGE and $NGINX_IMAGE: debootstrap (about a minute)…"
# A policy-rc.d that refuses every start: the packages' postinst scripts start no service.
mkdir -p "$ROOTFS/usr/sbin"
printf '#!/bin/sh\nexit 101\n' >"$ROOTFS/usr/sbin/policy-rc.d"
chmod 755 "$ROOTFS/usr/sbin/policy-rc.d"
debootstrap --variant=minbase --include=postgresql-15,nginx bookworm "$ROOTFS" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 ||
  {
    tail -20 "$WORK/debootstrap.log"
    exit 1
  }
rm -f "$ROOTFS/usr/sbin/policy-rc.d"
# No cluster from the package (the entrypoint makes one in PGDATA), no default site.
rm -rf "$ROOTFS/var/lib/postgresql/15" "$ROOTFS/etc/postgresql/15/main" "$ROOTFS/etc/nginx/sites-enabled/"*
install -m 755 "$HERE/postgres-entrypoint.sh" "$ROOTFS/usr/local/bin/docker-entrypoint.sh"
mkdir -p "$ROOTFS/var/lib/postgresql/data" "$ROOTFS/etc/nginx/conf.d"
chroot "$ROOTFS" chown postgres:postgres /var/lib/postgresql/data
ln -sf /dev/stdout "$ROOTFS/var/log/nginx/access.log"
ln -sf /dev/stderr "$ROOTFS/var/log/nginx/error.log"
rm -rf "$ROOTFS/var/cache/apt/archives/"*.deb "$ROOTFS/var/lib/apt/lists/"* "$ROOTFS/usr/share/doc" "$ROOTFS/usr/share/man"
tar -C "$ROOTFS" -c . >"$WORK/rootfs.tar"
echo "importing into $ENGINE…"
"$ENGINE" import --quiet \
  --change "LABEL scion.inputs=${SCION_IMAGE_INPUTS:-}" \
  --change 'ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]' \
  --change 'CMD []' \
  --change 'STOPSIGNAL SIGINT' \
  --change 'EXPOSE 5432' \
  --change 'VOLUME /var/lib/postgresql/data' \
  "$WORK/rootfs.tar" "$PG_IMAGE" >/dev/null
"$ENGINE" import --quiet \
  --change "LABEL scion.inputs=${SCION_IMAGE_INPUTS:-}" \
  --change 'CMD ["nginx", "-g", "daemon off;"]' \
  --change 'STOPSIGNAL SIGQUIT' \
  --change 'EXPOSE 80' \
  "$WORK/rootfs.tar" "$NGINX_IMAGE" >/dev/null
echo "built $PG_IMAGE and $NGINX_IMAGE"
