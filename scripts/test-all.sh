#!/usr/bin/env bash
# Installs everything the tests need (idempotently, with caches), starts the real infrastructure on
# loopback, runs every check and test tier, stops what it started, and ends with one line:
# "N passed, M failed". A skipped test counts as failed: nothing may hide behind a skip.
set -uo pipefail
cd "$(dirname "$0")/.."
REPORT=tmp/test-report
rm -rf "$REPORT"
mkdir -p "$REPORT"
passed=0
failed=0

say() { printf '\n== %s\n' "$*"; }

# A check is one pass or one failure; its log is kept under tmp/test-report.
check() {
  local name=$1
  shift
  say "$name"
  local started=$SECONDS
  if "$@" >"$REPORT/$name.log" 2>&1; then
    passed=$((passed + 1))
    echo "ok ($((SECONDS - started))s)"
  else
    failed=$((failed + 1))
    echo "FAILED ($((SECONDS - started))s); last lines of $REPORT/$name.log:"
    tail -n 60 "$REPORT/$name.log"
  fi
}

# npm install, not npm ci: npm leaves other platforms' optional binaries out of the lock and npm ci
# then rejects it (npm/cli#4828). npm install installs the locked versions all the same.
install_node_modules() {
  local want
  want=$(cat package.json package-lock.json | sha256sum | cut -d' ' -f1)
  if [ -f node_modules/.tessera-lock-sha ] && [ "$(cat node_modules/.tessera-lock-sha)" = "$want" ]; then
    echo "node_modules match package-lock.json"
    return 0
  fi
  npm install --no-audit --no-fund && echo "$want" >node_modules/.tessera-lock-sha
}

# Counts one jest tier from its JSON report; a tier that produced none counts as one failure, and so
# does a suite that failed outside its tests (a beforeAll/afterAll hook). --forceExit: a handle a
# suite leaked must not keep jest, and so CI, waiting after the last test.
jest_tier() {
  local tier=$1
  say "tests: $tier"
  local started=$SECONDS
  npm run -s "test:$tier" -- --json --outputFile="$REPORT/$tier.json" --forceExit >"$REPORT/$tier.log" 2>&1
  local status=$?
  if [ ! -s "$REPORT/$tier.json" ]; then
    failed=$((failed + 1))
    echo "FAILED: no report ($((SECONDS - started))s); last lines of $REPORT/$tier.log:"
    tail -n 60 "$REPORT/$tier.log"
    return
  fi
  local counts
  counts=$(node -e '
    const r = require(process.argv[1]);
    const crashed = r.testResults.filter((t) => t.status === "failed" && !t.assertionResults.some((a) => a.status === "failed")).length;
    console.log(r.numPassedTests, r.numFailedTests + r.numPendingTests + r.numTodoTests + crashed);
  ' "$PWD/$REPORT/$tier.json")
  local p=${counts% *} f=${counts#* }
  # jest failed although no test or suite did (e.g. an error after the last test): one failure.
  if [ "$status" != 0 ] && [ "$f" = 0 ]; then f=1; fi
  passed=$((passed + p))
  failed=$((failed + f))
  echo "$p passed, $f failed ($((SECONDS - started))s)"
  if [ "$f" != 0 ] || [ "$status" != 0 ]; then
    grep -E '✕|●|FAIL' "$REPORT/$tier.log" | head -n 40
  fi
}

say "install: node modules"
install_node_modules || { echo "npm install failed"; echo "0 passed, 1 failed"; exit 1; }
say "install: test infrastructure"
scripts/infra/install.sh || { echo "infrastructure install failed"; echo "0 passed, 1 failed"; exit 1; }

say "start: PostgreSQL, Kafka, S3"
trap 'say "stop: infrastructure"; scripts/infra/stop.sh' EXIT
scripts/infra/start.sh || { echo "infrastructure start failed"; echo "0 passed, 1 failed"; exit 1; }

check typecheck npm run -s typecheck
check lint npm run -s lint
check cycles npm run -s cycles
check build npm run -s build

say "deploy checks (compose, helm lint, helm template | kubeconform)"
scripts/check-deploy.sh >"$REPORT/deploy.log" 2>&1
deploy_line=$(grep -E '^deploy checks: [0-9]+ passed, [0-9]+ failed' "$REPORT/deploy.log" | tail -n 1)
if [ -n "$deploy_line" ]; then
  dp=$(echo "$deploy_line" | sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed/\1/')
  df=$(echo "$deploy_line" | sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed/\2/')
  passed=$((passed + dp))
  failed=$((failed + df))
  echo "$deploy_line"
  [ "$df" = 0 ] || tail -n 40 "$REPORT/deploy.log"
else
  failed=$((failed + 1))
  echo "FAILED: no summary"
  tail -n 40 "$REPORT/deploy.log"
fi

jest_tier unit
jest_tier int
jest_tier e2e

# Stop before the summary, so that the summary is the last line printed.
trap - EXIT
say "stop: infrastructure"
scripts/infra/stop.sh

echo
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
