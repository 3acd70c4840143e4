#!/bin/sh
# A script written for kubectl 1.32 and nothing else: a namespace, a multi-document manifest of a
# Deployment, a Service and a ConfigMap, fields read back with jsonpath, then label, patch,
# scale, and a delete by selector. The test suite runs it with `kubectl` resolving to the shim
# of `kubemu env` and checks its transcript. It prints no ages, uids, IPs or resourceVersions.
set -eu

echo "== namespace"
kubectl create namespace shop

echo "== apply"
cat > manifest.yaml <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  labels:
    app: web
spec:
  replicas: 2
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: web
        image: nginx:1.27
        ports:
        - containerPort: 80
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: shop
  labels:
    app: web
spec:
  selector:
    app: web
  ports:
  - port: 80
    targetPort: 80
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: web-config
  namespace: shop
  labels:
    app: web
data:
  greeting: hello
YAML
kubectl apply -f manifest.yaml
kubectl apply -f manifest.yaml

echo "== read back"
kubectl -n shop get deployment web -o jsonpath='{.spec.replicas} {.spec.template.spec.containers[0].image}{"\n"}'
kubectl get configmap web-config -n shop -o jsonpath='{.data.greeting}{"\n"}'
kubectl -n shop get svc web -o jsonpath='{.spec.ports[0].port}/{.spec.ports[0].protocol} {.spec.type}{"\n"}'
# Pod and ReplicaSet names carry generated suffixes: keep their shape.
kubectl get all -n shop -o name | sed -E 's#^pod/web-[a-z0-9]+-[a-z0-9]{5}$#pod/web-<hash>-<id>#; s#^replicaset.apps/web-[a-z0-9]+$#replicaset.apps/web-<hash>#'

echo "== label and patch"
kubectl -n shop label deployment web tier=frontend
kubectl -n shop label deployment web tier=frontend
kubectl -n shop get deploy -l tier=frontend -o name
kubectl -n shop patch deployment web --type merge -p '{"spec":{"template":{"spec":{"containers":[{"name":"web","image":"nginx:1.28"}]}}}}'
kubectl -n shop patch deployment web -p '{"spec":{"template":{"spec":{"containers":[{"name":"web","image":"nginx:1.28"}]}}}}'
kubectl -n shop get deployment web -o jsonpath='{.spec.template.spec.containers[*].image}{"\n"}'
kubectl -n shop annotate configmap web-config owner=team-shop

echo "== scale"
kubectl -n shop scale deployment web --replicas=5
kubectl -n shop get deployment web -o jsonpath='{.spec.replicas}{"\n"}'
if kubectl -n shop scale deployment web --replicas=1 --current-replicas=3 2>err.txt; then echo "unexpected success"; else cat err.txt; fi

echo "== errors"
if kubectl -n shop get deployment nope 2>err.txt; then echo "unexpected success"; else cat err.txt; fi
if kubectl get gizmos 2>err.txt; then echo "unexpected success"; else cat err.txt; fi

echo "== delete by selector"
kubectl -n shop delete deployment,service,configmap -l app=web
kubectl -n shop get deployment,service,configmap -o name 2>&1
echo "done"
