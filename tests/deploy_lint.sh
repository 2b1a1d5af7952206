#!/usr/bin/env bash
# Lints what cannot be run here (no Docker engine, no cluster): the Dockerfile
# (dockerfile-utils from npm), the compose file and its scale profile
# (docker-compose config), deploy/nginx/nginx.conf (nginx -t, with loopback
# upstreams) and the Kubernetes manifests (parsed, kinds and probes checked).
set -uo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
pass=0 fail=0
ok()  { echo "ok - $*"; pass=$((pass+1)); }
bad() { echo "not ok - $*"; fail=$((fail+1)); }

lint=$here/tests/node_modules/.bin/dockerfile-utils
if [[ -x $lint ]]; then
  out=$("$lint" lint "$here/Dockerfile" 2>&1)
  [[ $? == 0 && -z $out ]] && ok "Dockerfile lints clean" || bad "Dockerfile: $out"
else
  echo "ok - # SKIP Dockerfile lint: dockerfile-utils is not installed (tests/run.sh runs npm ci in tests/)"
fi

cd "$here"
docker-compose config -q 2>&1 && ok "docker-compose.yml is valid" || bad "docker-compose.yml invalid"
services=$(docker-compose --profile scale config --services 2>&1 | sort | tr '\n' ' ')
[[ $services == "lookslike nginx replica " ]] && ok "scale profile adds nginx and the replicas ($services)" || bad "scale profile services: $services"

tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cp deploy/nginx/nginx.conf "$tmp/"
printf 'upstream lookslike {\n    least_conn;\n    server 127.0.0.1:1 max_fails=2 fail_timeout=5s;\n}\n' > "$tmp/upstream.conf"
echo 'listen 127.0.0.1:1;' > "$tmp/listen.conf"
out=$(nginx -t -p "$tmp" -c "$tmp/nginx.conf" 2>&1) && ok "nginx.conf passes nginx -t" || bad "nginx -t: $out"

out=$(python3 - deploy/k8s/*.yaml <<'PY'
import sys, yaml
kinds = {}
for path in sys.argv[1:]:
    for doc in yaml.safe_load_all(open(path)):
        kinds[doc["kind"]] = doc
assert set(kinds) == {"Deployment", "Service", "HorizontalPodAutoscaler"}, kinds.keys()
c = kinds["Deployment"]["spec"]["template"]["spec"]["containers"][0]
assert c["readinessProbe"]["httpGet"]["path"] == "/readyz", "readiness probe"
assert c["livenessProbe"]["httpGet"]["path"] == "/healthz", "liveness probe"
assert c["resources"]["requests"] and c["resources"]["limits"], "resources"
pod = kinds["Deployment"]["spec"]["template"]["spec"]["securityContext"]
assert pod["runAsNonRoot"] and isinstance(pod["runAsUser"], int) and pod["runAsUser"] > 0, "numeric non-root user"
assert kinds["HorizontalPodAutoscaler"]["spec"]["scaleTargetRef"]["name"] == kinds["Deployment"]["metadata"]["name"]
print("kinds", sorted(kinds))
PY
) && ok "Kubernetes manifests: $out" || bad "Kubernetes manifests: $out"
echo "# $pass passed, $fail failed"
[[ $fail == 0 ]]
