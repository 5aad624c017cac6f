#!/usr/bin/env bash
# Install (with caches) the real components the integration tests use.
#
#   scripts/infra/install.sh [component...]     (no arguments = all, in this order)
#
# Components: apt kafka keycloak minio python helm kubeconform
# Idempotent: whatever is already installed at the pinned version is skipped.
set -euo pipefail

# ---- pinned versions (real tags from the Go module proxy / Maven Central) ----------
# MinIO's RELEASE.* tags are not semver; the proxy only has this pseudo-version of its
# last commit.
MINIO_MODULE=github.com/minio/minio
MINIO_MODULE_VERSION=v0.0.0-20260212201848-7aac2a2c5b7c
# Latest helm v3 release; its go.mod says "go 1.26.0", so it builds with go1.26.
HELM_PACKAGE=helm.sh/helm/v3/cmd/helm
HELM_VERSION=v3.22.0
KUBECONFORM_PACKAGE=github.com/yannh/kubeconform/cmd/kubeconform
KUBECONFORM_VERSION=v0.8.0
# Keycloak's server distribution (KEYCLOAK_VERSION in common.sh): the newest release on Maven Central,
# built for Java 17 (class files of major version 61) and run on it by the tests; the SHA-256 of its
# zip as Maven Central serves it.
KEYCLOAK_ARTIFACT=org.keycloak:keycloak-quarkus-dist
KEYCLOAK_ZIP_SHA256=27a6535553c3cdcd083872ba40629efafb3475e3b758e0c6f691395561dd0f1f
# The dependency plugin's version, pinned like scripts/infra/kafka/pom.xml pins it.
MAVEN_DEPENDENCY_PLUGIN=org.apache.maven.plugins:maven-dependency-plugin:3.8.1
# rsyslog + rsyslog-gnutls: the syslog collector (RFC 5425 over TLS) of the audit trail tests; they
# run their own rsyslogd with their own config on a loopback port. The system rsyslog the package
# may start listens on no network port (Debian's default config), so it is left as it is. curl: the
# DICOMweb bench's series retrieve client.
APT_PACKAGES=(postgresql dcmtk libgdcm-tools orthanc orthanc-dicomweb orthanc-postgresql openssl rsyslog rsyslog-gnutls curl)
ALL_COMPONENTS=(apt kafka keycloak minio python helm kubeconform)

# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

usage() {
  cat >&2 <<EOF
usage: $0 [component...]
components (default: all): ${ALL_COMPONENTS[*]}
env: TESSERA_CACHE_DIR=$TESSERA_CACHE_DIR
EOF
}

# ---- apt --------------------------------------------------------------------------
APT_UPDATED=0

as_root() {
  if [[ $EUID -eq 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo -n "$@"
  else
    die "root is needed to run: $*"
  fi
}

dpkg_installed() {
  [[ $(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null) == installed ]]
}

apt_update_once() {
  if ((APT_UPDATED == 0)); then
    log "apt: apt-get update"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null ||
      die "apt-get update failed"
    APT_UPDATED=1
  fi
}

apt_install() {
  apt_update_once
  log "apt: installing $*"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    -o Dpkg::Use-Pty=0 "$@" || die "apt-get install $* failed"
}

# ensure_tool CMD DEBIAN_PACKAGE: install the package when CMD is missing.
ensure_tool() {
  local cmd=$1 pkg=$2
  if ! command -v "$cmd" >/dev/null 2>&1; then
    log "'$cmd' not found; installing Debian package $pkg"
    apt_install "$pkg"
    command -v "$cmd" >/dev/null 2>&1 || die "'$cmd' still not on PATH after installing $pkg"
  fi
}

# The orthanc package's postinst starts (and on systemd hosts enables) a system-wide
# Orthanc listening on all interfaces. The tests start their own; never leave it running.
stop_orthanc_system_service() {
  if [[ -d /run/systemd/system ]] && command -v systemctl >/dev/null 2>&1; then
    if systemctl is-enabled --quiet orthanc.service 2>/dev/null ||
      systemctl is-active --quiet orthanc.service 2>/dev/null; then
      log "apt: disabling and stopping the Debian orthanc system service"
      as_root systemctl disable --now orthanc.service || die "could not stop orthanc.service"
    fi
  elif [[ -x /etc/init.d/orthanc ]]; then
    if as_root /etc/init.d/orthanc status >/dev/null 2>&1; then
      log "apt: stopping the Debian orthanc system service"
      as_root /etc/init.d/orthanc stop || die "could not stop the orthanc init.d service"
    fi
  fi
}

install_apt() {
  local missing=() pkg
  for pkg in "${APT_PACKAGES[@]}"; do
    dpkg_installed "$pkg" || missing+=("$pkg")
  done
  if ((${#missing[@]} == 0)); then
    log "apt: ${APT_PACKAGES[*]} already installed; skipping"
    return 0
  fi
  log "apt: missing: ${missing[*]}"
  apt_install "${APT_PACKAGES[@]}"
  stop_orthanc_system_service
}

# ---- kafka ------------------------------------------------------------------------
install_kafka() {
  local pom="$INFRA_DIR/kafka/pom.xml" pom_sha tmp
  grep -q "<kafka.version>$KAFKA_VERSION</kafka.version>" "$pom" ||
    die "kafka: $pom does not pin kafka.version $KAFKA_VERSION (common.sh KAFKA_VERSION)"
  pom_sha=$(sha256sum "$pom" | cut -d' ' -f1)
  if [[ -f $KAFKA_MARKER && $(<"$KAFKA_MARKER") == "$pom_sha" && -d $KAFKA_LIBS ]]; then
    log "kafka: $KAFKA_VERSION jars already in $KAFKA_LIBS; skipping"
    return 0
  fi
  ensure_tool java default-jre-headless
  ensure_tool mvn maven
  mkdir -p "$KAFKA_HOME"
  rm -f "$KAFKA_MARKER"
  rm -rf "$KAFKA_HOME"/libs.tmp.* # leftovers of interrupted runs (we hold the install lock)
  tmp=$(mktemp -d "$KAFKA_HOME/libs.tmp.XXXXXX")
  log "kafka: resolving Kafka $KAFKA_VERSION broker jars from Maven Central"
  if ! mvn -B -q -f "$pom" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$tmp" >"$KAFKA_HOME/mvn.log" 2>&1; then
    rm -rf "$tmp"
    show_log_tail "$KAFKA_HOME/mvn.log"
    die "kafka: mvn dependency:copy-dependencies failed (pom: $pom, log: $KAFKA_HOME/mvn.log)"
  fi
  compgen -G "$tmp/kafka_2.13-$KAFKA_VERSION.jar" >/dev/null || {
    rm -rf "$tmp"
    die "kafka: kafka_2.13-$KAFKA_VERSION.jar missing from the resolved jars"
  }
  rm -rf "$KAFKA_LIBS"
  mv "$tmp" "$KAFKA_LIBS"
  printf '%s\n' "$pom_sha" >"$KAFKA_MARKER"
  log "kafka: $(find "$KAFKA_LIBS" -name '*.jar' | wc -l) jars in $KAFKA_LIBS"
}

# ---- keycloak ---------------------------------------------------------------------
# keycloak_dev_image HOME: the distribution ships a production-mode server image, and `kc.sh start-dev`
# rebuilds it (Quarkus re-augmentation, about a minute of CPU) before its first start in development
# mode. Done here once, so that the tests do not spend that minute and never write into the
# installation: the JVM that kc.sh would run, asked to start-dev, re-augments and exits with 10
# ("relaunch needed", the code kc.sh checks for) before it opens a database or a port.
keycloak_dev_image() {
  local home=$1 status=0
  log "keycloak: preparing the development-mode server image (about a minute)"
  (cd "$home" && timeout 900 java -Xmx512m -Dkc.home.dir="$home" -Djboss.server.config.dir="$home/conf" \
    -Djava.util.logging.manager=org.jboss.logmanager.LogManager -Dpicocli.disable.closures=true \
    --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED \
    --add-opens=java.base/java.security=ALL-UNNAMED --add-opens=java.base/java.lang=ALL-UNNAMED \
    -cp "$home/lib/quarkus-run.jar" io.quarkus.bootstrap.runner.QuarkusEntryPoint start-dev \
    >"$home/../augmentation.log" 2>&1) || status=$?
  if ((status != 10)); then
    show_log_tail "$home/../augmentation.log"
    return 1
  fi
}

install_keycloak() {
  local tmp zip
  if [[ -f $KEYCLOAK_MARKER && $(<"$KEYCLOAK_MARKER") == "$KEYCLOAK_ZIP_SHA256" && -x $KEYCLOAK_HOME/bin/kc.sh ]]; then
    log "keycloak: $KEYCLOAK_VERSION already in $KEYCLOAK_HOME; skipping"
    return 0
  fi
  ensure_tool java default-jre-headless
  ensure_tool mvn maven
  ensure_tool unzip unzip
  rm -rf "$KEYCLOAK_HOME" "$TESSERA_CACHE_DIR"/.keycloak.* # a partial install, or leftovers of interrupted runs
  tmp=$(mktemp -d "$TESSERA_CACHE_DIR/.keycloak.XXXXXX")
  log "keycloak: resolving $KEYCLOAK_ARTIFACT:$KEYCLOAK_VERSION:zip from Maven Central"
  # -C: fail, not warn, when the download does not match Maven Central's checksum.
  if ! mvn -B -q -C "$MAVEN_DEPENDENCY_PLUGIN:copy" -Dartifact="$KEYCLOAK_ARTIFACT:$KEYCLOAK_VERSION:zip" \
    -DoutputDirectory="$tmp" >"$tmp/mvn.log" 2>&1; then
    show_log_tail "$tmp/mvn.log"
    rm -rf "$tmp"
    die "keycloak: mvn dependency:copy of $KEYCLOAK_ARTIFACT:$KEYCLOAK_VERSION:zip failed"
  fi
  zip="$tmp/keycloak-quarkus-dist-$KEYCLOAK_VERSION.zip"
  [[ $(sha256sum "$zip" | cut -d' ' -f1) == "$KEYCLOAK_ZIP_SHA256" ]] || {
    rm -rf "$tmp"
    die "keycloak: $KEYCLOAK_ARTIFACT:$KEYCLOAK_VERSION:zip does not have the pinned SHA-256 $KEYCLOAK_ZIP_SHA256"
  }
  unzip -q "$zip" -d "$tmp" || {
    rm -rf "$tmp"
    die "keycloak: unzip $zip failed"
  }
  keycloak_dev_image "$tmp/keycloak-$KEYCLOAK_VERSION" || {
    rm -rf "$tmp"
    die "keycloak: preparing the development-mode server image failed"
  }
  mv "$tmp/keycloak-$KEYCLOAK_VERSION" "$KEYCLOAK_HOME"
  rm -rf "$tmp"
  printf '%s\n' "$KEYCLOAK_ZIP_SHA256" >"$KEYCLOAK_MARKER"
  log "keycloak: $(<"$KEYCLOAK_HOME/version.txt") in $KEYCLOAK_HOME"
}

# ---- go-installed tools -------------------------------------------------------------
ensure_go() {
  if ! command -v go >/dev/null 2>&1 && [[ -x /usr/local/go/bin/go ]]; then
    PATH="/usr/local/go/bin:$PATH"
  fi
  require_cmd go "a Go toolchain new enough for go.mod 'go 1.26' is needed; Debian 12 does not ship one"
}

# go_binary_version BIN: the main module version recorded in the binary's build info.
go_binary_version() {
  go version -m "$1" 2>/dev/null | awk '$1 == "mod" { print $3; exit }'
}

# go_install_tool NAME PACKAGE VERSION
go_install_tool() {
  local name=$1 package=$2 version=$3 bin stage waited=0 deadline
  bin="$TESSERA_BIN_DIR/$name"
  ensure_go
  if [[ -x $bin && $(go_binary_version "$bin") == "$version" ]]; then
    log "$name: $version already in $bin; skipping"
    return 0
  fi
  # Another "go install" of the same package may be running (e.g. started by hand into
  # this bin dir): wait for it instead of building twice, then look again. (A binary
  # still being written has no readable build info, so it is never taken as installed.)
  deadline=$((SECONDS + 3600))
  while pgrep -f "go install $package" >/dev/null 2>&1; do
    if ((waited == 0)); then
      log "$name: a 'go install $package' is already running; waiting for it"
      waited=1
    fi
    ((SECONDS < deadline)) || die "$name: gave up waiting for the running 'go install $package'"
    sleep 5
  done
  if [[ -x $bin && $(go_binary_version "$bin") == "$version" ]]; then
    log "$name: $version already in $bin; skipping"
    return 0
  fi
  mkdir -p "$TESSERA_BIN_DIR"
  rm -rf "$TESSERA_CACHE_DIR"/.gobin.* # leftovers of interrupted runs (we hold the install lock)
  # Build into a staging dir and rename, so an interrupted build never leaves a
  # truncated binary that a later run would mistake for an installed one.
  stage=$(mktemp -d "$TESSERA_CACHE_DIR/.gobin.XXXXXX")
  log "$name: go install $package@$version (first build takes minutes)"
  if ! GOBIN="$stage" GOTOOLCHAIN=local go install "$package@$version"; then
    rm -rf "$stage"
    die "$name: go install $package@$version failed"
  fi
  mv -f "$stage/$name" "$bin"
  rm -rf "$stage"
  [[ $(go_binary_version "$bin") == "$version" ]] || die "$name: $bin does not report $version"
}

install_minio() {
  # The module path doubles as the package path (package main at the module root).
  go_install_tool minio "$MINIO_MODULE" "$MINIO_MODULE_VERSION"
}

install_helm() { go_install_tool helm "$HELM_PACKAGE" "$HELM_VERSION"; }

install_kubeconform() { go_install_tool kubeconform "$KUBECONFORM_PACKAGE" "$KUBECONFORM_VERSION"; }

# ---- python ---------------------------------------------------------------------------
install_python() {
  local req="$REPO_ROOT/scripts/requirements.txt" marker="$TESSERA_VENV_DIR/.tessera-requirements.sha256"
  local base="${TESSERA_BASE_PYTHON:-python3}" sha
  [[ -f $req ]] || die "python: $req not found"
  sha=$(sha256sum "$req" | cut -d' ' -f1)
  if [[ -x $TESSERA_VENV_DIR/bin/python ]] && "$TESSERA_VENV_DIR/bin/python" -c '' 2>/dev/null; then
    if [[ -f $marker && $(<"$marker") == "$sha" ]]; then
      log "python: venv $TESSERA_VENV_DIR matches requirements.txt; skipping"
      return 0
    fi
  elif [[ -e $TESSERA_VENV_DIR ]]; then
    log "python: venv $TESSERA_VENV_DIR is broken (its interpreter does not run); recreating"
    rm -rf "$TESSERA_VENV_DIR"
  fi
  if [[ ! -x $TESSERA_VENV_DIR/bin/python ]]; then
    ensure_tool "$base" python3
    if ! "$base" -c 'import venv, ensurepip' 2>/dev/null; then
      [[ $(command -v "$base") == /usr/bin/* ]] || die "python: $base lacks the venv/ensurepip modules"
      apt_install python3-venv
    fi
    log "python: creating venv $TESSERA_VENV_DIR with $base ($("$base" --version 2>&1))"
    "$base" -m venv "$TESSERA_VENV_DIR" || die "python: venv creation failed"
  fi
  rm -f "$marker"
  log "python: pip install -r scripts/requirements.txt"
  "$TESSERA_VENV_DIR/bin/python" -m pip install --disable-pip-version-check -q -r "$req" ||
    die "python: pip install -r $req failed"
  printf '%s\n' "$sha" >"$marker"
}

# ---- main ---------------------------------------------------------------------------
main() {
  local components=() c t0 t_all
  for c in "$@"; do
    case $c in
      -h | --help) usage && exit 0 ;;
      apt | kafka | keycloak | minio | python | helm | kubeconform) components+=("$c") ;;
      *) usage && die "unknown component '$c'" ;;
    esac
  done
  ((${#components[@]} > 0)) || components=("${ALL_COMPONENTS[@]}")

  mkdir -p "$TESSERA_CACHE_DIR"
  acquire_lock "$TESSERA_CACHE_DIR/.install.lock"
  t_all=$SECONDS
  for c in "${components[@]}"; do
    t0=$SECONDS
    "install_$c"
    log "$c: done ($(elapsed_since "$t0"))"
  done
  log "install finished: ${components[*]} ($(elapsed_since "$t_all")); cache: $TESSERA_CACHE_DIR"
}

main "$@"
