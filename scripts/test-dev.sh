#!/usr/bin/env bash
# Tests the README's bring-up command as a new user meets it: `npm run dev` (detached) prints a
# demo account with a verified toll-free sender, an admin token that works, and a curl whose
# message is delivered with its queued, sent and delivered callbacks. Stops the apps it started.
# Prints `bring-up: N passed, M failed` last and exits non-zero on any failure.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$ROOT"
DATA_DIR=${SLUICE_DATA_DIR:-$ROOT/.local}
# Ports of their own, so that a developer's running stack is not disturbed.
export GATEWAY_PORT=18080 GOVERNOR_PORT=18081 DISPATCH_PORT=18082 CALLBACK_PORT=18083 SIMULATOR_PORT=18090 SMPP_PORT=12775 CALLBACK_RECEIVER_PORT=18099
PASSED=0
FAILED=0
check() {
  if eval "$2"; then PASSED=$((PASSED + 1)); echo "[bring-up] ok   - $1"; else FAILED=$((FAILED + 1)); echo "[bring-up] FAIL - $1"; fi
}
out=$(mktemp)
trap 'bash scripts/dev.sh stop >/dev/null 2>&1 || true; rm -f "$out"' EXIT

SLUICE_DETACH=1 bash scripts/dev.sh >"$out" 2>&1 || { tail -40 "$out"; echo "[bring-up] FAIL - npm run dev did not finish"; echo "bring-up: 0 passed, 1 failed"; exit 1; }
account_line=$(grep -E '^\s+demo account' "$out" || true)
auth_id=$(awk '{print $3}' <<<"$account_line")
auth_token=$(awk '{print $5}' <<<"$account_line")
admin_token=$(grep -E '^\s+admin API' "$out" | sed -E 's/.*bearer ([^;]+);.*/\1/')
src=$(grep -oE '"src":"[0-9]+"' "$out" | head -1 | cut -d'"' -f4)

check "prints a demo account" '[[ $auth_id == MA* && ${#auth_id} -eq 20 && -n $auth_token ]]'
check "prints an admin token" '[[ ${#admin_token} -ge 16 ]]'
check "the printed sender is a verified toll-free number of the demo account" \
  'curl -fsS -H "Authorization: Bearer $admin_token" "http://127.0.0.1:$GATEWAY_PORT/admin/v1/numbers/$src" | node -e "
     const n = JSON.parse(require(\"fs\").readFileSync(0, \"utf8\"));
     process.exit(n.account_id === process.argv[1] && n.number_type === \"toll_free\" && n.verified === true ? 0 : 1)" "$auth_id"'
check "the admin API refuses a wrong token" \
  '[[ $(curl -s -o /dev/null -w "%{http_code}" -H "Authorization: Bearer wrong-token-wrong-token" "http://127.0.0.1:$GATEWAY_PORT/admin/v1/numbers/$src") == 401 ]]'

send_cmd=$(awk '/^  curl -s -u .* -H .Content-Type/{p=1} p{print} /"url":/{if(p) exit}' "$out")
answer=$(eval "$send_cmd" || true)
uuid=$(node -e 'try { console.log(JSON.parse(process.argv[1]).message_uuid[0]) } catch { console.log("") }' "$answer")
check "the printed curl is accepted" '[[ ${#uuid} -eq 36 ]]'
delivered=no
for _ in $(seq 1 120); do
  if grep -q "$uuid delivered" "$DATA_DIR/logs/callback-receiver.log" 2>/dev/null; then delivered=yes; break; fi
  sleep 0.25
done
check "its queued, sent and delivered callbacks reach the printed receiver" \
  '[[ $delivered == yes && $(grep -cE "$uuid (queued|sent|delivered) " "$DATA_DIR/logs/callback-receiver.log") -eq 3 ]]'

echo "bring-up: $PASSED passed, $FAILED failed"
[[ $FAILED -eq 0 ]]
