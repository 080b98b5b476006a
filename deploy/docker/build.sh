#!/usr/bin/env bash
# build.sh builds Trawl's container images without any image registry:
#
#   trawl:dev             FROM scratch: static binaries (CGO_ENABLED=0) built here on
#                         the host, plus the host's CA bundle. One image for every
#                         service; compose and Kubernetes pick the binary per service.
#   trawl-prometheus:dev  FROM scratch: Debian's prometheus binary and the two glibc
#                         files it links against (skipped with NO_PROMETHEUS=1).
#
# Usage: deploy/docker/build.sh [TAG]   (TAG defaults to dev)
# Needs Go and Docker; the Prometheus image needs /usr/bin/prometheus or apt-get
# (the package is only downloaded and unpacked, not installed).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
tag="${1:-dev}"
bin="$here/bin"
rm -rf "$bin"
mkdir -p "$bin"

echo "== go build (static) into $bin"
build() { # build <module dir> <package> <name>
	(cd "$root/$1" && CGO_ENABLED=0 GOOS=linux go build -trimpath -buildvcs=false \
		-ldflags='-s -w' -o "$bin/$3" "$2")
}
build frontier ./cmd/frontier frontier
build crawler ./cmd/crawler crawler
build classifier ./cmd/classifier classifier
build simweb ./cmd/simweb simweb
build deploy ./cmd/natsd natsd
build deploy ./cmd/trawl trawl
for f in "$bin"/*; do
	if file "$f" 2>/dev/null | grep -q 'dynamically linked'; then
		echo "$f is dynamically linked; want static" >&2
		exit 1
	fi
done
cp /etc/ssl/certs/ca-certificates.crt "$bin/ca-certificates.crt"
mkdir -p "$bin/empty"
ls -l "$bin"

echo "== docker build trawl:$tag"
docker build -t "trawl:$tag" -f "$here/Dockerfile" "$here"

if [ "${NO_PROMETHEUS:-}" = 1 ]; then
	echo "== NO_PROMETHEUS=1: skipping trawl-prometheus:$tag"
	exit 0
fi
echo "== docker build trawl-prometheus:$tag"
prom="$here/prometheus/rootfs"
rm -rf "$prom"
mkdir -p "$prom/bin" "$prom/etc/prometheus" "$here/prometheus/empty"
if [ -x /usr/bin/prometheus ]; then
	cp /usr/bin/prometheus "$prom/bin/prometheus"
else
	tmp="$(mktemp -d)" && chmod 755 "$tmp"
	(cd "$tmp" && apt-get download prometheus >/dev/null && dpkg-deb -x prometheus_*.deb x)
	cp "$tmp/x/usr/bin/prometheus" "$prom/bin/prometheus"
	rm -rf "$tmp"
fi
# Debian's build links against glibc only: copy exactly what ldd names.
for lib in $(ldd "$prom/bin/prometheus" | grep -o '/[^ ]*'); do
	mkdir -p "$prom$(dirname "$lib")"
	cp -L "$lib" "$prom$lib"
done
cp "$root/deploy/prometheus/prometheus.compose.yml" "$prom/etc/prometheus/prometheus.yml"
cp "$root/deploy/prometheus/alerts.yml" "$prom/etc/prometheus/alerts.yml"
cp /etc/ssl/certs/ca-certificates.crt "$here/prometheus/ca-certificates.crt"
docker build -t "trawl-prometheus:$tag" -f "$here/prometheus/Dockerfile" "$here/prometheus"
