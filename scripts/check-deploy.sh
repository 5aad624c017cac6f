#!/usr/bin/env bash
# Validates the deployment artefacts offline: Dockerfile, docker-compose.yml (+ deploy/.env.example,
# deploy/nginx/tessera.conf) and the Helm chart in deploy/helm/tessera. Nothing is built or run in
# a container (no Docker engine is needed). Exits non-zero if any check fails; the last line is
#   deploy checks: N passed, M failed
#
# Tools and data, all cached under $TESSERA_CACHE_DIR (default ~/.cache/tessera), idempotently:
#   bin/helm, bin/kubeconform    from scripts/infra/install.sh (go install) when missing
#   k8s-schemas/v<K8S>/          kubeconform schemas for Kubernetes <K8S>, converted from the
#                                OpenAPI document in the k8s.io/kubernetes Go module
#   k8s-schemas/gateway-api-<V>/ schemas of the Gateway API CRDs (sigs.k8s.io/gateway-api module),
#                                converted by kubeconform's own scripts/openapi2jsonschema.py
#   k8s-schemas/.venv            PyYAML for that script
#   compose-config/<hash>/       deploy/tools/compose-config (compose-go, as `docker compose config`)
#   nginx/                       Debian's nginx binary, unpacked (not installed), for `nginx -t`
# Everything comes from the Go module proxy, PyPI and Debian: no GitHub download.
#
# Environment: TESSERA_CACHE_DIR, TESSERA_K8S_VERSION (default 1.31.14),
#              TESSERA_GATEWAY_API_VERSION (default v1.2.1).
set -uo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TESSERA_CACHE_DIR=${TESSERA_CACHE_DIR:-$HOME/.cache/tessera}
BIN_DIR=$TESSERA_CACHE_DIR/bin
SCHEMA_ROOT=$TESSERA_CACHE_DIR/k8s-schemas
K8S_VERSION=${TESSERA_K8S_VERSION:-1.31.14}
GATEWAY_API_VERSION=${TESSERA_GATEWAY_API_VERSION:-v1.2.1}
# Only its scripts/openapi2jsonschema.py is used (the CRD converter); the binary is install.sh's.
KUBECONFORM_MODULE=github.com/yannh/kubeconform@v0.8.0
PYYAML_VERSION=6.0.3

CHART=$REPO_ROOT/deploy/helm/tessera
TOOLS=$REPO_ROOT/deploy/tools
HELM=$BIN_DIR/helm
KUBECONFORM=$BIN_DIR/kubeconform

WORK=$(mktemp -d "${TMPDIR:-/tmp}/check-deploy.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

# Go commands that must not pick up a caller's module or flags, nor download a toolchain.
export GOTOOLCHAIN=local GOFLAGS=
passed=0
failed=0
t_start=$SECONDS

log() { printf '%s\n' "$*" >&2; }

# check NAME COMMAND...: runs one check in this shell (so that it may set variables), prints
# ok/FAIL with its duration, and the command's output when it fails.
check() {
  local name=$1 t0=$SECONDS rc
  shift
  "$@" >"$WORK/check.out" 2>&1
  rc=$?
  if ((rc == 0)); then
    passed=$((passed + 1))
    printf 'ok    %-80s %3ss\n' "$name" $((SECONDS - t0))
  else
    failed=$((failed + 1))
    printf 'FAIL  %-80s %3ss\n' "$name" $((SECONDS - t0))
    sed 's/^/      /' "$WORK/check.out"
  fi
  return "$rc"
}

# --- Tools and schemas --------------------------------------------------------------------------

# A Go module's directory in the module cache (downloaded through the module proxy if needed).
go_module_dir() {
  (cd "$WORK" && go mod download -json "$1") | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d.get("Dir") or sys.exit(d.get("Error", "no Dir")))'
}

sha() { sha256sum "$@" | sha256sum | cut -c1-16; }

ensure_helm_kubeconform() {
  if [[ -x $HELM && -x $KUBECONFORM ]]; then return 0; fi
  if [[ -x $REPO_ROOT/scripts/infra/install.sh ]]; then
    log "helm/kubeconform missing: scripts/infra/install.sh helm kubeconform"
    TESSERA_CACHE_DIR=$TESSERA_CACHE_DIR "$REPO_ROOT/scripts/infra/install.sh" helm kubeconform >&2 || return 1
  fi
  [[ -x $HELM && -x $KUBECONFORM ]] || { log "missing $HELM or $KUBECONFORM"; return 1; }
}

# Kubernetes' own kinds: api/openapi-spec/swagger.json of the k8s.io/kubernetes module, converted by
# deploy/tools/swagger2jsonschema.py into <dir>/v<K8S>-standalone-strict/<kind>-<group>-<version>.json,
# the layout of kubeconform's default schema repository.
ensure_k8s_schemas() {
  local dest=$SCHEMA_ROOT/v$K8S_VERSION want dir tmp
  want="k8s.io/kubernetes@v$K8S_VERSION converter=$(sha "$TOOLS/swagger2jsonschema.py")"
  [[ -f $dest/.stamp && $(<"$dest/.stamp") == "$want" ]] && return 0
  log "converting the Kubernetes v$K8S_VERSION OpenAPI document into kubeconform schemas"
  dir=$(go_module_dir "k8s.io/kubernetes@v$K8S_VERSION") || return 1
  tmp=$(mktemp -d "$SCHEMA_ROOT/.tmp.XXXXXX")
  python3 "$TOOLS/swagger2jsonschema.py" "$dir/api/openapi-spec/swagger.json" \
    "$tmp/v$K8S_VERSION-standalone-strict" >&2 || { rm -rf "$tmp"; return 1; }
  printf '%s' "$want" >"$tmp/.stamp"
  rm -rf "$dest" && mv "$tmp" "$dest"
}

# The Gateway API's standard-channel CRDs, converted by kubeconform's own CRD script into
# <dir>/<kind>-<group>-<version>.json (e.g. httproute-gateway-v1.json).
ensure_gateway_schemas() {
  local dest=$SCHEMA_ROOT/gateway-api-$GATEWAY_API_VERSION want venv=$SCHEMA_ROOT/.venv gw kc tmp
  want="sigs.k8s.io/gateway-api@$GATEWAY_API_VERSION $KUBECONFORM_MODULE pyyaml==$PYYAML_VERSION"
  [[ -f $dest/.stamp && $(<"$dest/.stamp") == "$want" ]] && return 0
  log "converting the Gateway API $GATEWAY_API_VERSION CRDs into kubeconform schemas"
  if ! "$venv/bin/python" -c "import yaml; assert yaml.__version__ == '$PYYAML_VERSION'" 2>/dev/null; then
    rm -rf "$venv"
    python3 -m venv "$venv" >&2 && "$venv/bin/pip" install -q "PyYAML==$PYYAML_VERSION" >&2 || return 1
  fi
  gw=$(go_module_dir "sigs.k8s.io/gateway-api@$GATEWAY_API_VERSION") || return 1
  kc=$(go_module_dir "$KUBECONFORM_MODULE") || return 1
  tmp=$(mktemp -d "$SCHEMA_ROOT/.tmp.XXXXXX")
  # The script writes into the current directory; the file name must match kubeconform's
  # {{ .ResourceKind }}{{ .KindSuffix }}; DENY_ROOT_ADDITIONAL_PROPERTIES makes the root strict too.
  (cd "$tmp" && FILENAME_FORMAT='{kind}-{group}-{version}' DENY_ROOT_ADDITIONAL_PROPERTIES=1 \
    "$venv/bin/python" "$kc/scripts/openapi2jsonschema.py" "$gw"/config/crd/standard/*.yaml >/dev/null) \
    || { rm -rf "$tmp"; return 1; }
  [[ -s $tmp/httproute-gateway-v1.json ]] || { log "no httproute-gateway-v1.json produced"; rm -rf "$tmp"; return 1; }
  printf '%s' "$want" >"$tmp/.stamp"
  rm -rf "$dest" && mv "$tmp" "$dest"
}

# deploy/tools/compose-config, built once per source version.
COMPOSE_CONFIG=
ensure_compose_config() {
  local src=$TOOLS/compose-config dir
  dir=$TESSERA_CACHE_DIR/compose-config/$(sha "$src/go.mod" "$src/go.sum" "$src/main.go")
  if [[ ! -x $dir/compose-config ]]; then
    log "building deploy/tools/compose-config"
    mkdir -p "$dir"
    (cd "$src" && go build -mod=readonly -trimpath -o "$dir/compose-config.tmp" .) >&2 || return 1
    mv "$dir/compose-config.tmp" "$dir/compose-config"
  fi
  COMPOSE_CONFIG=$dir/compose-config
}

# nginx for `nginx -t`: the one on PATH, or Debian's package unpacked into the cache (installing it
# would start a server).
NGINX=
ensure_nginx() {
  local dir=$TESSERA_CACHE_DIR/nginx deb
  if command -v nginx >/dev/null; then NGINX=$(command -v nginx); return 0; fi
  if [[ ! -x $dir/root/usr/sbin/nginx ]]; then
    log "unpacking Debian's nginx package into $dir"
    rm -rf "$dir" && mkdir -p "$dir/deb"
    (cd "$dir/deb" && { apt-get download nginx 2>/dev/null || { apt-get update -qq && apt-get download nginx; }; }) >&2 || return 1
    deb=$(ls "$dir"/deb/nginx_*.deb) && dpkg-deb -x "$deb" "$dir/root" || return 1
  fi
  NGINX=$dir/root/usr/sbin/nginx
}

prepare() {
  mkdir -p "$BIN_DIR" "$SCHEMA_ROOT"
  local ok=0
  for tool in go python3 node; do
    command -v "$tool" >/dev/null || { log "$tool is not installed"; ok=1; }
  done
  ((ok == 0)) || return 1
  ensure_helm_kubeconform || return 1
  # One preparer at a time: concurrent runs share the cache.
  (
    flock 9
    ensure_k8s_schemas && ensure_gateway_schemas
  ) 9>"$SCHEMA_ROOT/.lock" || return 1
}

# --- Checks -------------------------------------------------------------------------------------

kubeconform_strict() {
  "$KUBECONFORM" -strict -summary -kubernetes-version "$K8S_VERSION" \
    -schema-location "$SCHEMA_ROOT/v$K8S_VERSION/{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json" \
    -schema-location "$SCHEMA_ROOT/gateway-api-$GATEWAY_API_VERSION/{{ .ResourceKind }}{{ .KindSuffix }}.json"
}

# helm template with one values file (or none), validated by kubeconform from stdin.
# The default values have no OpenID provider (there is no sensible default): name one, as every
# install must.
render_and_validate() {
  local values=$1 out=$2 args=(--set oidc.issuer=https://sso.example.org/realms/tessera)
  [[ -n $values ]] && args=(-f "$values")
  "$HELM" template tessera "$CHART" --namespace tessera --kube-version "$K8S_VERSION" "${args[@]}" >"$out" || return 1
  kubeconform_strict <"$out"
}

helm_requires_issuer() {
  local out
  if out=$("$HELM" template tessera "$CHART" --namespace tessera --kube-version "$K8S_VERSION" 2>&1 >/dev/null); then
    echo "the chart renders without oidc.issuer: every HTTP route would refuse every token"
    return 1
  fi
  [[ $out == *"oidc.issuer"* ]] || { printf '%s\n' "$out"; return 1; }
}

# The schemas must really be in use: known-bad manifests are rejected, an unknown kind is an error.
kubeconform_rejects_bad_manifests() {
  local out
  out=$(kubeconform_strict <<'EOF'
apiVersion: apps/v1
kind: Deployment
metadata: {name: bad}
spec:
  replicas: two
  selector: {matchLabels: {a: b}}
  template:
    metadata: {labels: {a: b}}
    spec:
      containers: [{name: c, image: i, unknownField: 1}]
---
apiVersion: v1
kind: Service
metadata: {name: bad}
spec:
  ports: [{targetPort: 8080}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: bad}
spec:
  rules: [{matches: [{method: FETCH}]}]
---
apiVersion: example.org/v1
kind: NoSuchKind
metadata: {name: bad}
EOF
  )
  printf '%s\n' "$out"
  [[ $out == *"4 resources found parsing stdin - Valid: 0, Invalid: 3, Errors: 1, Skipped: 0"* ]]
}

compose_config_loads() {
  sed -E -e 's/^(POSTGRES_PASSWORD|S3_ACCESS_KEY|S3_SECRET_KEY)=$/\1=check-deploy-dummy-value/' \
    -e 's#^OIDC_ISSUER=$#OIDC_ISSUER=https://sso.example.org/realms/tessera#' \
    "$REPO_ROOT/deploy/.env.example" >"$WORK/compose.env"
  "$COMPOSE_CONFIG" -env-file "$WORK/compose.env" "$REPO_ROOT/docker-compose.yml" >"$WORK/compose.json"
}

# With the example copied as it is, the required variables are empty and compose must refuse.
compose_requires_secrets() {
  local out
  if out=$("$COMPOSE_CONFIG" -env-file "$REPO_ROOT/deploy/.env.example" "$REPO_ROOT/docker-compose.yml" 2>&1 >/dev/null); then
    echo "docker-compose.yml loads with the example's empty secrets: a required variable has a default"
    return 1
  fi
  [[ $out == *"required variable"* ]] || { printf '%s\n' "$out"; return 1; }
}

nginx_syntax() {
  local p=$WORK/nginx
  mkdir -p "$p"
  cat >"$p/nginx.conf" <<EOF
pid $p/nginx.pid;
error_log stderr;
events {}
http {
  client_body_temp_path $p/client;
  proxy_temp_path $p/proxy;
  fastcgi_temp_path $p/fastcgi;
  uwsgi_temp_path $p/uwsgi;
  scgi_temp_path $p/scgi;
  access_log off;
  include $REPO_ROOT/deploy/nginx/tessera.conf;
}
EOF
  "$NGINX" -t -q -p "$p" -c "$p/nginx.conf"
}

main() {
  cd "$REPO_ROOT" || exit 1
  echo "deploy checks (Kubernetes $K8S_VERSION, Gateway API $GATEWAY_API_VERSION; cache $TESSERA_CACHE_DIR)"

  check "Dockerfile and .dockerignore" node "$TOOLS/deploy-checks.js" dockerfile Dockerfile .dockerignore
  check "compose: structure, images, roles, depends_on, no secrets" \
    node "$TOOLS/deploy-checks.js" compose docker-compose.yml deploy/.env.example
  if check "compose: build compose-config (compose-go)" ensure_compose_config; then
    if check "compose: loads as docker compose config does" compose_config_loads; then
      check "compose: published ports on loopback by default, each its own" \
        node "$TOOLS/deploy-checks.js" compose-ports "$WORK/compose.json"
    fi
    check "compose: refuses to start without the required secrets" compose_requires_secrets
  fi
  if check "nginx: get a binary" ensure_nginx; then
    check "nginx: tessera.conf syntax (nginx -t)" nginx_syntax
  fi

  if ! check "helm, kubeconform and offline schemas ready" prepare; then
    summary
    return
  fi
  check "kubeconform: rejects invalid manifests (schemas in use)" kubeconform_rejects_bad_manifests
  check "helm: refuses to render without an OpenID provider (oidc.issuer)" helm_requires_issuer
  local values name out route_render=
  for values in "" "$CHART"/ci/*.yaml; do
    name=${values:+ci/$(basename "$values")}
    name=${name:-default values}
    check "helm lint --strict ($name)" "$HELM" lint --strict "$CHART" --kube-version "$K8S_VERSION" ${values:+-f "$values"}
    out=$WORK/render-$(basename "${values:-default}" .yaml).yaml
    if check "helm template | kubeconform -strict ($name)" render_and_validate "$values" "$out"; then
      check "helm: Services, pods, DIMSE listeners ($name)" \
        node "$TOOLS/deploy-checks.js" helm-services "$out"
    fi
    if [[ -z $route_render ]] && grep -q '^kind: HTTPRoute' "$out" 2>/dev/null; then route_render=$out; fi
  done
  if [[ -n $route_render ]]; then
    check "routing: nginx and the HTTPRoutes agree on each request's role and edge" \
      node "$TOOLS/deploy-checks.js" routes deploy/nginx/tessera.conf "$route_render"
  else
    check "routing: a ci/ values file renders the HTTPRoute" false
  fi
  summary
}

summary() {
  echo "total $((SECONDS - t_start))s"
  echo "deploy checks: $passed passed, $failed failed"
}

main
((failed == 0))
