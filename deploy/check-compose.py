"""Structural check of docker-compose.yml and deploy/haproxy.cfg (run by tests/api/ops_files.rs).

Prints one JSON object: {"apps": {name: environment}} so the Rust test can feed every
instance's environment through the server's own configuration parser. Exits non-zero with
a message when the deployment would not be what the README promises: three instances behind
a round-robin balancer without affinity, sharing PostgreSQL, Redis and one S3 bucket.
"""
import json
import re
import sys

import yaml

root = sys.argv[1]
compose = yaml.safe_load(open(f"{root}/docker-compose.yml"))
services = compose["services"]
errors = []
apps = {n: s for n, s in services.items() if n.startswith("app")}
if len(apps) < 3:
    errors.append(f"expected >= 3 app instances, found {sorted(apps)}")
for need in ("postgres", "redis", "minio", "migrate", "lb"):
    if need not in services:
        errors.append(f"service {need} missing")
if services.get("migrate", {}).get("command") != ["migrate"]:
    errors.append("the migrate service must run `infinidream migrate`")
envs = {}
ids = set()
for name, svc in apps.items():
    env = {k: str(v) for k, v in (svc.get("environment") or {}).items()}
    for key in ("DATABASE_URL", "REDIS_URL", "S3_BUCKET", "S3_ENDPOINT", "INSTANCE_ID"):
        if not env.get(key):
            errors.append(f"{name}: {key} unset")
    if env.get("MIGRATE_ON_START") != "false":
        errors.append(f"{name}: migrations belong to the migrate job")
    if svc.get("depends_on", {}).get("migrate", {}).get("condition") != "service_completed_successfully":
        errors.append(f"{name}: must start after the migrate job")
    ids.add(env.get("INSTANCE_ID"))
    # Compose interpolation: the test supplies values for ${VAR:?...} / ${VAR:-default}.
    env = {k: re.sub(r"\$\{(\w+)(:[-?][^}]*)?\}", lambda m: (m.group(2) or ":-")[2:] if m.group(2) and m.group(2).startswith(":-") else f"x{'y' * 40}", v) for k, v in env.items()}
    envs[name] = env
if len(ids) != len(apps):
    errors.append("INSTANCE_ID values must differ")
lb = services.get("lb", {})
if not any("deploy/haproxy.cfg" in v for v in lb.get("volumes", [])):
    errors.append("lb must mount deploy/haproxy.cfg")
cfg = open(f"{root}/deploy/haproxy.cfg").read()
if "balance roundrobin" not in cfg:
    errors.append("haproxy must balance roundrobin")
for affinity in ("cookie ", "stick ", "balance source", "hash-type"):
    if re.search(rf"^\s*{affinity}", cfg, re.M):
        errors.append(f"haproxy must not use affinity ({affinity.strip()})")
for name in apps:
    if not re.search(rf"^\s*server\s+\S+\s+{name}:8080", cfg, re.M):
        errors.append(f"haproxy has no server line for {name}")
procfile = dict(line.split(":", 1) for line in open(f"{root}/Procfile").read().splitlines() if line.strip())
if "migrate" not in procfile.get("release", ""):
    errors.append("Procfile release phase must run migrations")
if errors:
    print("\n".join(errors), file=sys.stderr)
    sys.exit(1)
print(json.dumps({"apps": envs, "procfile": {k: v.strip() for k, v in procfile.items()}}))
