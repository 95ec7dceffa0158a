#!/usr/bin/env bash
# Incremental, content-addressed, deduplicated backups of the media bucket.
#
#   media-backup.sh snapshot                      mirror the bucket, then take a snapshot
#   media-backup.sh snapshots                     list snapshots (one JSON object per line)
#   media-backup.sh restore PATH [--snapshot ID] [--in-place]
#                                                 restore a file or a folder (PATH is a key
#                                                 or key prefix of the media bucket), from the
#                                                 latest snapshot or snapshot ID, as a preview
#                                                 under restores/<UTC timestamp>/PATH of the
#                                                 restore bucket (default), or in place
#   media-backup.sh forget                        apply the retention policy and prune
#
# Tools: rclone mirrors the bucket into a local staging folder (only changed objects move);
# restic stores the staging folder in a repository inside the backup bucket: chunks are
# content-addressed and deduplicated, so a snapshot costs only what changed since the last.
# Both come from Debian's packages (apt-get install restic rclone).
#
# Environment (the server's S3_* variables are the defaults of the MEDIA_* ones):
#   MEDIA_S3_ENDPOINT, MEDIA_S3_REGION, MEDIA_S3_ACCESS_KEY_ID, MEDIA_S3_SECRET_ACCESS_KEY,
#   MEDIA_BUCKET                      the media bucket
#   BACKUP_S3_ENDPOINT, BACKUP_S3_ACCESS_KEY_ID, BACKUP_S3_SECRET_ACCESS_KEY (default: media's)
#   BACKUP_BUCKET (required), BACKUP_PREFIX (default "restic"): the repository location
#   RESTIC_PASSWORD (required)        repository encryption password
#   RESTORE_BUCKET (default MEDIA_BUCKET) where restores are written
#   BACKUP_STAGING (default ~/.cache/infinidream-backup/<bucket>) mirror kept between runs
#   BACKUP_EXCLUDE (default "restores/**") rclone filter of keys never backed up
#   KEEP_DAILY / KEEP_WEEKLY / KEEP_MONTHLY (default 7 / 5 / 12) retention for `forget`
# Every command prints one JSON object (or JSON lines) on stdout; progress goes to stderr.
set -euo pipefail

die() { echo "media-backup: $*" >&2; exit 2; }
log() { echo "[media-backup] $*" >&2; }

MEDIA_S3_ENDPOINT="${MEDIA_S3_ENDPOINT:-${S3_ENDPOINT:-}}"
MEDIA_S3_REGION="${MEDIA_S3_REGION:-${S3_REGION:-us-east-1}}"
MEDIA_S3_ACCESS_KEY_ID="${MEDIA_S3_ACCESS_KEY_ID:-${S3_ACCESS_KEY_ID:-}}"
MEDIA_S3_SECRET_ACCESS_KEY="${MEDIA_S3_SECRET_ACCESS_KEY:-${S3_SECRET_ACCESS_KEY:-}}"
MEDIA_BUCKET="${MEDIA_BUCKET:-${S3_BUCKET:-}}"
[ -n "$MEDIA_BUCKET" ] || die "MEDIA_BUCKET (or S3_BUCKET) is required"
[ -n "$MEDIA_S3_ENDPOINT" ] || die "MEDIA_S3_ENDPOINT (or S3_ENDPOINT) is required"
BACKUP_S3_ENDPOINT="${BACKUP_S3_ENDPOINT:-$MEDIA_S3_ENDPOINT}"
BACKUP_S3_ACCESS_KEY_ID="${BACKUP_S3_ACCESS_KEY_ID:-$MEDIA_S3_ACCESS_KEY_ID}"
BACKUP_S3_SECRET_ACCESS_KEY="${BACKUP_S3_SECRET_ACCESS_KEY:-$MEDIA_S3_SECRET_ACCESS_KEY}"
[ -n "${BACKUP_BUCKET:-}" ] || die "BACKUP_BUCKET is required"
[ -n "${RESTIC_PASSWORD:-}" ] || die "RESTIC_PASSWORD is required"
BACKUP_PREFIX="${BACKUP_PREFIX:-restic}"
RESTORE_BUCKET="${RESTORE_BUCKET:-$MEDIA_BUCKET}"
BACKUP_STAGING="${BACKUP_STAGING:-${XDG_CACHE_HOME:-$HOME/.cache}/infinidream-backup/$MEDIA_BUCKET}"
BACKUP_EXCLUDE="${BACKUP_EXCLUDE:-restores/**}"

# rclone remote "media" from the environment: no config file to manage or leak.
export RCLONE_CONFIG_MEDIA_TYPE=s3
export RCLONE_CONFIG_MEDIA_PROVIDER=Other
export RCLONE_CONFIG_MEDIA_ENDPOINT="$MEDIA_S3_ENDPOINT"
export RCLONE_CONFIG_MEDIA_REGION="$MEDIA_S3_REGION"
export RCLONE_CONFIG_MEDIA_ACCESS_KEY_ID="$MEDIA_S3_ACCESS_KEY_ID"
export RCLONE_CONFIG_MEDIA_SECRET_ACCESS_KEY="$MEDIA_S3_SECRET_ACCESS_KEY"
export RCLONE_CONFIG_MEDIA_FORCE_PATH_STYLE=true
export RCLONE_CONFIG="/dev/null"

# rclone 1.60's S3 client fails on AWS_CA_BUNDLE ("unsupported transport"); it reads the
# system trust store anyway, so the variable is dropped for rclone only.
rc() { env -u AWS_CA_BUNDLE rclone "$@"; }

restic_env() {
  AWS_ACCESS_KEY_ID="$BACKUP_S3_ACCESS_KEY_ID" AWS_SECRET_ACCESS_KEY="$BACKUP_S3_SECRET_ACCESS_KEY" \
    AWS_DEFAULT_REGION="$MEDIA_S3_REGION" \
    RESTIC_REPOSITORY="s3:${BACKUP_S3_ENDPOINT%/}/$BACKUP_BUCKET/$BACKUP_PREFIX" \
    RESTIC_CACHE_DIR="${RESTIC_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/restic}" "$@"
}
r() { restic_env restic --quiet "$@"; }

ensure_repo() {
  if ! r cat config >/dev/null 2>&1; then
    log "initialising repository s3:$BACKUP_S3_ENDPOINT/$BACKUP_BUCKET/$BACKUP_PREFIX"
    r init >&2
  fi
}

cmd_snapshot() {
  ensure_repo
  mkdir -p "$BACKUP_STAGING"
  log "mirroring media:$MEDIA_BUCKET into $BACKUP_STAGING"
  rc sync "media:$MEDIA_BUCKET" "$BACKUP_STAGING" --exclude "$BACKUP_EXCLUDE" \
    --fast-list --create-empty-src-dirs --stats 0 --log-level ERROR
  log "taking a snapshot"
  # Relative path "." inside the staging folder: snapshots of one bucket share one tree.
  (cd "$BACKUP_STAGING" && r backup . --host infinidream-media --tag "bucket:$MEDIA_BUCKET" --json) |
    grep '"message_type":"summary"' | tail -n 1
}

cmd_snapshots() {
  ensure_repo
  r snapshots --json --tag "bucket:$MEDIA_BUCKET" |
    python3 -c 'import json,sys
for s in json.load(sys.stdin) or []:
    print(json.dumps({"id": s["short_id"], "time": s["time"], "paths": s["paths"], "tags": s.get("tags", [])}))'
}

cmd_restore() {
  local path="" snapshot="latest" in_place=0
  while [ $# -gt 0 ]; do
    case "$1" in
      --snapshot) [ $# -ge 2 ] || die "--snapshot needs an id"; snapshot="$2"; shift 2 ;;
      --in-place) in_place=1; shift ;;
      -*) die "unknown option $1" ;;
      *) [ -z "$path" ] || die "one PATH only"; path="$1"; shift ;;
    esac
  done
  path="${path#/}"; path="${path%/}"
  [ -n "$path" ] || die "restore needs a PATH (a key or a folder of the media bucket)"
  case "/$path/" in */../*|*/./*) die "PATH must not contain . or .. segments" ;; esac
  ensure_repo
  # Snapshots are taken from inside the staging folder ("."), so keys sit at the tree root.
  local id
  id=$(r snapshots --json --tag "bucket:$MEDIA_BUCKET" |
    python3 -c 'import json,sys
want=sys.argv[1]; snaps=json.load(sys.stdin) or []
snaps=[s for s in snaps if want=="latest" or s["id"].startswith(want)]
snaps.sort(key=lambda s: s["time"])
print(snaps[-1]["id"] if snaps else "")' "$snapshot")
  [ -n "$id" ] || die "no snapshot $snapshot of bucket $MEDIA_BUCKET"
  WORK=$(mktemp -d); trap 'rm -rf "$WORK"' EXIT
  log "restoring $path from snapshot ${id:0:8}"
  r restore "$id" --target "$WORK" --include "/$path" >&2
  local src="$WORK/$path"
  [ -e "$src" ] || die "$path is not in snapshot ${id:0:8}"
  local dest
  if [ "$in_place" = 1 ]; then dest="$path"; else dest="restores/$(date -u +%Y%m%dT%H%M%SZ)/$path"; fi
  if [ -d "$src" ]; then
    rc copy "$src" "media:$RESTORE_BUCKET/$dest" --stats 0 --log-level ERROR
  else
    rc copyto "$src" "media:$RESTORE_BUCKET/$dest" --stats 0 --log-level ERROR
  fi
  local files; files=$(find "$src" -type f | wc -l)
  printf '{"snapshot":"%s","path":"%s","bucket":"%s","destination":"%s","files":%d}\n' \
    "${id:0:8}" "$path" "$RESTORE_BUCKET" "$dest" "$files"
}

cmd_forget() {
  ensure_repo
  r forget --tag "bucket:$MEDIA_BUCKET" --keep-daily "${KEEP_DAILY:-7}" --keep-weekly "${KEEP_WEEKLY:-5}" \
    --keep-monthly "${KEEP_MONTHLY:-12}" --prune >&2
  printf '{"forgotten":true}\n'
}

case "${1:-}" in
  snapshot) shift; cmd_snapshot "$@" ;;
  snapshots) shift; cmd_snapshots "$@" ;;
  restore) shift; cmd_restore "$@" ;;
  forget) shift; cmd_forget "$@" ;;
  *) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
