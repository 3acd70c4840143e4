#!/bin/sh
# A script written for the real etcdctl 3.4 and nothing else: leader election with txn, a lock,
# a watch in the background that sees writes made by other processes, and a lease that expires.
# The test suite runs it against a real etcd and against kubemu (through `kubemu env`'s shim)
# and expects the same output. It prints no IDs or revisions, which differ between clusters.
set -eu
export ETCDCTL_API=3

# Waits (at most about 20 s) until a command's output is not empty.
wait_for() {
  tries=0
  until [ -n "$(sh -c "$1")" ]; do
    tries=$((tries + 1))
    [ "$tries" -lt 400 ] || { echo "timed out waiting for: $1" >&2; exit 1; }
    sleep 0.05
  done
}

echo "== leader election with txn"
campaign() {
  etcdctl txn <<TXN
create("/demo/election/leader") = "0"

put /demo/election/leader $1

get /demo/election/leader

TXN
}
campaign alice
campaign bob
echo "leader: $(etcdctl get /demo/election/leader --print-value-only)"
# The leader steps down only if it still is the leader (compare on the value).
etcdctl txn <<'TXN'
value("/demo/election/leader") = "alice"

del /demo/election/leader


TXN
campaign bob

echo "== a watch in the background"
START=$(etcdctl put /demo/jobs/marker start -w json | sed -E 's/.*"revision":([0-9]+).*/\1/')
etcdctl watch --prefix /demo/jobs/ --rev $((START + 1)) > watch.out &
WATCHER=$!
for job in build test deploy; do etcdctl put "/demo/jobs/$job" queued > /dev/null; done
etcdctl del /demo/jobs/test > /dev/null
wait_for "grep DELETE watch.out"
kill "$WATCHER"
cat watch.out

echo "== a lock"
etcdctl lock /demo/locks/report > lock.out &
HOLDER=$!
wait_for "cat lock.out 2>/dev/null"
sed -E 's#/[0-9a-f]+$#/ID#' lock.out
etcdctl lock /demo/locks/report -- sh -c 'echo "second holder got the lock"' > second.out &
WAITER=$!
wait_for "etcdctl get --prefix /demo/locks/report --keys-only | grep -c . | grep 2"
echo "second holder is waiting: [$(cat second.out)]"
kill -INT "$HOLDER"
wait "$HOLDER"
wait "$WAITER"
cat second.out
echo "locks left: $(etcdctl get --prefix /demo/locks/ --keys-only | grep -c . || true)"

echo "== lease expiry"
LEASE=$(etcdctl lease grant 2 | awk '{print $2}')
etcdctl put --lease="$LEASE" /demo/session/alice online
etcdctl get /demo/session/alice --print-value-only
wait_for "etcdctl get /demo/session/alice -w fields | grep '\"Count\" : 0'"
etcdctl lease timetolive "$LEASE" | sed -E 's/lease [0-9a-f]+/lease ID/'
echo "session: [$(etcdctl get /demo/session/alice --print-value-only)]"
