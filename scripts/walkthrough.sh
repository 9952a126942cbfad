#!/usr/bin/env bash
# The README's "flow with curl", as a script: one CIBA login from a merchant client to Ada's
# phone and back, against a server started with `phonelogin serve --demo` (Ada is a demo user;
# --demo also implies --dev, which lets this script read the one-time SMS code).
#
#   scripts/walkthrough.sh                     against http://127.0.0.1:8080 (PL=URL for another)
# Admin commands run as $PHONELOGIN (default: cargo run -q -p phonelogin --), in the server's
# directory or with the same PHONELOGIN_DATABASE_URL / PHONELOGIN_SECRET_FILE.
# Needs curl, jq and openssl. Fails at the first step that goes wrong; safe to run again.
# The block between the two markers is the README's, word for word (a test checks it).
set -euo pipefail
PL=${PL:-http://127.0.0.1:8080}
read -r -a PHONELOGIN <<<"${PHONELOGIN:-cargo run -q -p phonelogin --}"
phonelogin() { "${PHONELOGIN[@]}" "$@"; }

# --- walk-through ---
# api: curl that stops the walk-through on an HTTP error and shows the server's answer.
api() { local out; out=$(curl -sS --fail-with-body "$@") || { echo "failed: $* -> $out" >&2; return 1; }; printf '%s\n' "$out"; }

# A merchant client; its secret is printed once and stored only as a hash.
# (Deleting it first makes the walk-through safe to run again.)
phonelogin client delete my-shop 2>/dev/null || true
SECRET=$(phonelogin client create --client-id my-shop --name "My Shop" \
  | sed -n 's/^client my-shop secret: \([^ ]*\).*/\1/p')
test -n "$SECRET"

# Ada's phone has a key pair (EC P-256, as the app makes with WebCrypto): it signs each decision.
KEY=$(mktemp) && openssl ecparam -name prime256v1 -genkey -noout -out "$KEY"
b64url() { base64 -w0 | tr '+/' '-_' | tr -d '='; }
unhex() { printf '%b' "$(sed 's/../\\x&/g')"; }
XY=$(openssl ec -in "$KEY" -pubout -outform DER 2>/dev/null | tail -c 64 | od -An -v -tx1 | tr -d ' \n')
JWK=$(jq -nc --arg x "$(printf %s "${XY:0:64}" | unhex | b64url)" --arg y "$(printf %s "${XY:64}" | unhex | b64url)" \
  '{kty: "EC", crv: "P-256", x: $x, y: $y}')
sign() {  # the base64url r||s ES256 signature of "$1"
  local der r s
  der=$(printf %s "$1" | openssl dgst -sha256 -sign "$KEY" | od -An -v -tx1 | tr -d ' \n')
  r=${der:8:$((16#${der:6:2} * 2))}; der=${der:$((8 + ${#r}))}; s=${der:4:$((16#${der:2:2} * 2))}
  r=$(printf %64s "${r: -64}" | tr ' ' 0); s=$(printf %64s "${s: -64}" | tr ' ' 0)
  printf %s "$r$s" | unhex | b64url
}

# Ada's phone enrolls: a one-time code to her number, then code + PIN + public key give a device token.
EID=$(api "$PL/app-api/v1/enrollments" -H 'content-type: application/json' \
  -d '{"phone_number":"4712345678"}' | jq -er .enrollment_id)
CODE=$(api "$PL/app-api/v1/dev/outbox" \
  | jq -er '[.messages[] | select(.phone_number | endswith("4712345678"))][0].code')
DEVICE=$(jq -nc --arg code "$CODE" --argjson key "$JWK" \
    '{code: $code, pin: "1234", device_name: "curl", app_version: "1.0.0", device_public_key: $key}' \
  | api "$PL/app-api/v1/enrollments/$EID/verify" -H 'content-type: application/json' -d @- | jq -er .device_token)

# The merchant starts a login for her number.
AUTH_REQ_ID=$(api -u "my-shop:$SECRET" "$PL/vipps-login-ciba/api/backchannel/authentication" \
  -d login_hint=urn:msisdn:4712345678 -d 'scope=openid name email' -d binding_message=AB-123 | jq -er .auth_req_id)

# The merchant polls: 400 {"error":"authorization_pending",...} until she decides.
curl -s -u "my-shop:$SECRET" "$PL/access-management-1.0/access/oauth2/token" \
  -d grant_type=urn:openid:params:grant-type:ciba -d "auth_req_id=$AUTH_REQ_ID" | jq -e '.error == "authorization_pending"'

# Her phone gets the request (push: GET /app-api/v1/events), she consents and confirms with her
# PIN; the phone signs "phonelogin-decision:ID:approve" with its key.
ID=$(api -H "Authorization: Bearer $DEVICE" "$PL/app-api/v1/login-requests" \
  | jq -er --arg code AB-123 '[.login_requests[] | select(.binding_message == $code)][0].id')
jq -nc --arg sig "$(sign "phonelogin-decision:$ID:approve")" '{pin: "1234", consent: true, signature: $sig}' \
  | api -H "Authorization: Bearer $DEVICE" -H 'content-type: application/json' \
    "$PL/app-api/v1/login-requests/$ID/approve" -d @- | jq -e '.result == "completed"'

# The next poll (after the 5 s interval) returns the tokens; userinfo returns the profile.
sleep 5
TOKENS=$(api -u "my-shop:$SECRET" "$PL/access-management-1.0/access/oauth2/token" \
  -d grant_type=urn:openid:params:grant-type:ciba -d "auth_req_id=$AUTH_REQ_ID")
echo "$TOKENS" | jq -e '.id_token and .access_token'
api -H "Authorization: Bearer $(echo "$TOKENS" | jq -er .access_token)" "$PL/vipps-userinfo-api/userinfo" \
  | jq -e '.given_name == "Ada"'

# The curl "phone" removes itself (a user has at most 5 devices; this keeps the walk-through re-runnable).
SELF=$(api -H "Authorization: Bearer $DEVICE" "$PL/app-api/v1/devices" | jq -er '.devices[] | select(.current).id')
api -X DELETE -H "Authorization: Bearer $DEVICE" "$PL/app-api/v1/devices/$SELF"
rm -f "$KEY"
# --- end ---
echo "walk-through complete"
