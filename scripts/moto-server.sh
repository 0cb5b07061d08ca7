#!/usr/bin/env bash
# Makes sure the EC2 API emulator (moto[server], PyPI) answers on 127.0.0.1:$ICBENCH_MOTO_PORT (5757):
# the cloud provider's EC2 tests and bench:cloud-ec2 talk to it with the AWS SDK v3 and an endpoint
# override. Installs moto into its own venv ($ICBENCH_MOTO_VENV, /opt/icbench-moto) once, then
# starts it in the background bound to loopback only, logging to $ICBENCH_MOTO_LOG. Idempotent: a
# server that already answers is left alone. Its instances are records only (no guest).
set -euo pipefail

VENV=${ICBENCH_MOTO_VENV:-/opt/icbench-moto}
PORT=${ICBENCH_MOTO_PORT:-5757}
LOG=${ICBENCH_MOTO_LOG:-/var/log/icbench-moto.log}
MOTO_VERSION=5.2.6

answers() { curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$PORT/moto-api/" 2>/dev/null; }

if answers; then echo "moto: running on 127.0.0.1:$PORT"; exit 0; fi
if [ ! -x "$VENV/bin/moto_server" ]; then
  echo "moto: installing moto[server]==$MOTO_VERSION into $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check "moto[server]==$MOTO_VERSION"
fi
mkdir -p "$(dirname "$LOG")"
echo "moto: starting on 127.0.0.1:$PORT (log $LOG)"
setsid nohup "$VENV/bin/moto_server" -H 127.0.0.1 -p "$PORT" >>"$LOG" 2>&1 </dev/null &
for ((i = 0; i < 150; i++)); do
  if answers; then echo "moto: up after $((i / 5)) s"; exit 0; fi
  sleep 0.2
done
echo "moto did not answer within 30 s; last lines of $LOG:" >&2
tail -n 20 "$LOG" >&2
exit 1
