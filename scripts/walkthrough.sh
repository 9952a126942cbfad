#!/usr/bin/env bash
# The README's "flow with curl", as a script: one CIBA login from a merchant client to Ada's
# phone and back, against a server started with `phonelogin serve --demo` (Ada is a demo user;
# --demo also implies --dev, which lets this script read the one-time SMS code).
#
#   scripts/walkthrough.sh                     against http://127.0.0.1:8080 (PL=URL for another)
# Admin commands run as $PHONELOGIN (default: cargo run -q -p phonelogin --), in the server's
# directory or with the same PHONELOGIN_DATABASE_URL / PHONELOGIN_SECRET_FILE.
# Needs curl and jq. Fails at the first step that goes wrong; safe to run again.
# The block between the two markers is the README's, word for word (a test checks it).
set -euo pipefail
PL=${PL:-http://127.0.0.1:8080}
read -r -a PHONELOGIN <<<"${PHONELOGIN:-cargo run -q -p phonelogin --}"
phonelogin() { "${PHONELOGIN[@]}" "$@"; }

# --- walk-through ---
# A merchant client; its secret is printed once and stored only as a hash.
# (Deleting it first makes the walk-through safe to run again.)
phonelogin client delete my-shop 2>/dev/null || true
SECRET=$(phonelogin client create --client-id my-shop --name "My Shop" \
  | sed -n 's/^client my-shop secret: \([^ ]*\).*/\1/p')
test -n "$SECRET"

# Ada's phone enrolls: a one-time code to her number, then code + PIN give a device token.
EID=$(curl -sf "$PL/app-api/v1/enrollments" -H 'content-type: application/json' \
  -d '{"phone_number":"4712345678"}' | jq -er .enrollment_id)
CODE=$(curl -sf "$PL/app-api/v1/dev/outbox" \
  | jq -er '[.messages[] | select(.phone_number | endswith("4712345678"))][0].code')
DEVICE=$(curl -sf "$PL/app-api/v1/enrollments/$EID/verify" -H 'content-type: application/json' \
  -d "{\"code\":\"$CODE\",\"pin\":\"1234\",\"device_name\":\"curl\",\"app_version\":\"1.0.0\"}" | jq -er .device_token)

# The merchant starts a login for her number.
AUTH_REQ_ID=$(curl -sf -u "my-shop:$SECRET" "$PL/vipps-login-ciba/api/backchannel/authentication" \
  -d login_hint=urn:msisdn:4712345678 -d 'scope=openid name email' -d binding_message=AB-123 | jq -er .auth_req_id)

# The merchant polls: 400 {"error":"authorization_pending",...} until she decides.
curl -s -u "my-shop:$SECRET" "$PL/access-management-1.0/access/oauth2/token" \
  -d grant_type=urn:openid:params:grant-type:ciba -d "auth_req_id=$AUTH_REQ_ID" | jq -e '.error == "authorization_pending"'

# Her phone gets the request (push: GET /app-api/v1/events), she consents and confirms with her PIN.
ID=$(curl -sf -H "Authorization: Bearer $DEVICE" "$PL/app-api/v1/login-requests" \
  | jq -er --arg code AB-123 '[.login_requests[] | select(.binding_message == $code)][0].id')
curl -sf -H "Authorization: Bearer $DEVICE" -H 'content-type: application/json' \
  "$PL/app-api/v1/login-requests/$ID/approve" -d '{"pin":"1234","consent":true}' | jq -e .

# The next poll (after the 5 s interval) returns the tokens; userinfo returns the profile.
sleep 5
TOKENS=$(curl -sf -u "my-shop:$SECRET" "$PL/access-management-1.0/access/oauth2/token" \
  -d grant_type=urn:openid:params:grant-type:ciba -d "auth_req_id=$AUTH_REQ_ID")
echo "$TOKENS" | jq -e '.id_token and .access_token'
curl -sf -H "Authorization: Bearer $(echo "$TOKENS" | jq -er .access_token)" "$PL/vipps-userinfo-api/userinfo" \
  | jq -e '.given_name == "Ada"'
# --- end ---
echo "walk-through complete"
