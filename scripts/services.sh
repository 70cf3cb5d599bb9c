#!/usr/bin/env bash
# Makes sure the brokers the tests talk to are up on loopback, starting any that is down with
# the machine's own command (see ../shared/DESIGN.md). It never stops a service: they are shared.
set -euo pipefail

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_port() { # name port seconds
  local name=$1 port=$2 limit=$3 waited=0
  until port_open "$port"; do
    if (( waited >= limit )); then echo "services: $name did not open 127.0.0.1:$port within ${limit}s" >&2; return 1; fi
    sleep 1; waited=$((waited + 1))
  done
  echo "services: $name up on 127.0.0.1:$port"
}

ensure() { # name port seconds start-command...
  local name=$1 port=$2 limit=$3; shift 3
  if port_open "$port"; then echo "services: $name already up on 127.0.0.1:$port"; return 0; fi
  echo "services: starting $name"
  "$@" || { echo "services: could not start $name with: $*" >&2; return 1; }
  wait_port "$name" "$port" "$limit"
}

ensure redis 6379 30 redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
  --dir /var/lib/redis --logfile /var/log/redis/ci.log
ensure rabbitmq 5672 120 rabbitmq-server -detached
ensure nats 4222 30 start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- \
  -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log
