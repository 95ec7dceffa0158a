#!/usr/bin/env bash
# End-to-end test of media-backup.sh against a real local S3-compatible server (moto, see
# .ci/s3.sh) with real restic and rclone: snapshots, listing, deduplication, and restores of
# a top-level file, a nested file and a folder, as a preview and in place, from the latest
# and from a given snapshot, each compared byte for byte. Run by tests/api/backup.rs.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
S="$here/media-backup.sh"
tmp=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"${MOTO_SERVER:-moto_server}" -H 127.0.0.1 -p "$port" >"$tmp/moto.log" 2>&1 &
moto=$!
trap 'kill $moto 2>/dev/null; wait $moto 2>/dev/null; rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok - $*" >&2; }

unset AWS_CA_BUNDLE
export RCLONE_CONFIG=/dev/null RCLONE_CONFIG_T_TYPE=s3 RCLONE_CONFIG_T_PROVIDER=Other \
  RCLONE_CONFIG_T_ENDPOINT="http://127.0.0.1:$port" RCLONE_CONFIG_T_ACCESS_KEY_ID=test \
  RCLONE_CONFIG_T_SECRET_ACCESS_KEY=test RCLONE_CONFIG_T_FORCE_PATH_STYLE=true RCLONE_CONFIG_T_REGION=us-east-1
export S3_ENDPOINT="http://127.0.0.1:$port" S3_ACCESS_KEY_ID=test S3_SECRET_ACCESS_KEY=test \
  S3_BUCKET=media BACKUP_BUCKET=media-backup RESTIC_PASSWORD=e2e-password \
  BACKUP_STAGING="$tmp/staging" XDG_CACHE_HOME="$tmp/cache"
for _ in $(seq 100); do curl -fsS -o /dev/null "http://127.0.0.1:$port/" 2>/dev/null && break; sleep 0.1; done
rclone mkdir T:media && rclone mkdir T:media-backup

# --- the media bucket, version 1
mkdir -p "$tmp/v1/1/dreams/d1" "$tmp/v1/2"
head -c 300000 /dev/urandom >"$tmp/v1/1/dreams/d1/d1.mp4"
head -c 20000 /dev/urandom >"$tmp/v1/1/dreams/d1/thumbnail.jpg"
cp "$tmp/v1/1/dreams/d1/d1.mp4" "$tmp/v1/1/dreams/d1/copy-of-d1.mp4"   # same bytes: stored once
head -c 5000 /dev/urandom >"$tmp/v1/2/avatar.png"
printf 'top level\n' >"$tmp/v1/top.txt"
rclone copy "$tmp/v1" T:media

snap1=$(bash "$S" snapshot)
id1=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["snapshot_id"])' "$snap1")
python3 - "$snap1" <<'PY' || fail "duplicate content was stored twice: $snap1"
import json, sys
s = json.loads(sys.argv[1])
assert s["files_new"] == 5, s
assert s["data_added"] < 300000 + 20000 + 5000 + 4096 + 50000, s   # the copy adds ~nothing
PY
ok "snapshot 1 ($id1), identical objects deduplicated"

# --- version 2: one object changed, one deleted, one added; a preview restore must never
# be backed up itself
head -c 5000 /dev/urandom >"$tmp/avatar-v2.png"
rclone copyto "$tmp/avatar-v2.png" T:media/2/avatar.png
rclone deletefile T:media/1/dreams/d1/copy-of-d1.mp4
printf 'new\n' >"$tmp/new.txt" && rclone copyto "$tmp/new.txt" T:media/3/new.txt
rclone copyto "$tmp/new.txt" T:media/restores/20200101T000000Z/x.txt
snap2=$(bash "$S" snapshot)
id2=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["snapshot_id"])' "$snap2")
python3 - "$snap2" <<'PY' || fail "incremental snapshot re-stored unchanged data: $snap2"
import json, sys
s = json.loads(sys.argv[1])
assert s["files_unmodified"] == 3 and s["files_new"] == 1 and s["files_changed"] == 1, s
assert s["data_added"] < 60000, s
PY
ok "snapshot 2 ($id2) is incremental and skips restores/"

list=$(bash "$S" snapshots)
[ "$(echo "$list" | wc -l)" = 2 ] || fail "expected 2 snapshots, got: $list"
echo "$list" | grep -q "\"$id1\"" && echo "$list" | grep -q "\"$id2\"" || fail "listing misses a snapshot: $list"
ok "listing shows both snapshots"

same() { rclone cat "T:media/$1" | cmp -s - "$2" || fail "T:media/$1 differs from $2"; }
dest() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])["destination"])' "$1"; }

# a nested file deleted since: only in snapshot 1
if bash "$S" restore 1/dreams/d1/copy-of-d1.mp4 2>/dev/null; then fail "restored a file absent from latest"; fi
out=$(bash "$S" restore 1/dreams/d1/copy-of-d1.mp4 --snapshot "$id1")
d=$(dest "$out"); case "$d" in restores/20*/1/dreams/d1/copy-of-d1.mp4) ;; *) fail "preview path $d" ;; esac
same "$d" "$tmp/v1/1/dreams/d1/copy-of-d1.mp4"
rclone lsf T:media/1/dreams/d1/ | grep -q copy-of-d1 && fail "preview restore wrote in place"
ok "nested file restored as a preview from a given snapshot"

out=$(bash "$S" restore top.txt)
same "$(dest "$out")" "$tmp/v1/top.txt"
ok "top-level file restored as a preview from the latest snapshot"

out=$(bash "$S" restore 1/dreams --snapshot "$id1")
d=$(dest "$out")
same "$d/d1/d1.mp4" "$tmp/v1/1/dreams/d1/d1.mp4"
same "$d/d1/thumbnail.jpg" "$tmp/v1/1/dreams/d1/thumbnail.jpg"
same "$d/d1/copy-of-d1.mp4" "$tmp/v1/1/dreams/d1/copy-of-d1.mp4"
[ "$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["files"])' "$out")" = 3 ] || fail "folder files: $out"
ok "folder restored as a preview"

bash "$S" restore 2/avatar.png --snapshot "$id1" --in-place >/dev/null
same 2/avatar.png "$tmp/v1/2/avatar.png"
bash "$S" restore 2/avatar.png --in-place >/dev/null
same 2/avatar.png "$tmp/avatar-v2.png"
ok "file restored in place from a given snapshot, then from the latest"

bash "$S" restore ../etc 2>/dev/null && fail "accepted a .. path"
bash "$S" restore missing/path 2>/dev/null && fail "restored a missing path"
bash "$S" restore top.txt --snapshot deadbeef 2>/dev/null && fail "restored from an unknown snapshot"
RESTIC_PASSWORD=wrong bash "$S" snapshots >/dev/null 2>&1 && fail "opened the repository with a wrong password"
env -u BACKUP_BUCKET bash "$S" snapshots >/dev/null 2>&1 && fail "ran without BACKUP_BUCKET"
ok "bad input refused"
echo "media backup e2e: all checks passed" >&2
