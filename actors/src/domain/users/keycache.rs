//! A short-lived cache of API-key lookups, read on the caller's thread.
//!
//! Every authenticated websocket connect and every `Api-Key` request resolves its key;
//! without the cache each one is a message to the users actor and a PostgreSQL round
//! trip. Devices of one user share a key and reconnect together, and scripts repeat
//! requests, so most lookups in a burst are repeats.
//!
//! * Only found keys are cached (a flood of wrong keys cannot fill it), by the SHA-256 hex
//!   of the key, never the key itself; at most [`MAX_ENTRIES`] (the map is emptied when
//!   full).
//! * **On this instance a change is visible at once**: every write that can change what a
//!   key resolves to (new key, key revoked, role or profile update) starts a new
//!   *generation* when it completes, or when its caller goes away, whichever comes first,
//!   and empties the map. A lookup records the generation it started in; its answer is
//!   cached only if no write completed meanwhile, so a read that raced with a revocation
//!   cannot bring the old answer back.
//! * **Across instances** (or after the operator CLI changed a key) an entry is trusted
//!   for [`TTL`] at most: a revoked key may still open sessions on another instance for up
//!   to one second. Sessions already open are not affected by the cache either way.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::AuthUser;

/// How long a cached lookup is trusted.
pub const TTL: Duration = Duration::from_secs(1);
/// Entries at most; the map is emptied when it is full.
pub const MAX_ENTRIES: usize = 65_536;

struct Entry {
    user: AuthUser,
    generation: u64,
    at: Instant,
}

#[derive(Default)]
pub struct KeyCache {
    generation: AtomicU64,
    entries: Mutex<HashMap<String, Entry>>,
}

impl KeyCache {
    fn entries(&self) -> std::sync::MutexGuard<'_, HashMap<String, Entry>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The generation a lookup starts in.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// A cached, current answer for `hash` at `now`.
    pub fn get(&self, hash: &str, now: Instant) -> Option<AuthUser> {
        let generation = self.generation();
        let entries = self.entries();
        let e = entries.get(hash)?;
        (e.generation == generation && now < e.at + TTL).then(|| e.user.clone())
    }

    /// Records the answer of a lookup that started in `generation`.
    pub fn put(&self, hash: String, user: AuthUser, generation: u64, now: Instant) {
        let mut entries = self.entries();
        // Checked under the lock: `invalidate` bumps before it empties the map, so an
        // answer from before a write is either refused here or removed by that write.
        if generation != self.generation() {
            return;
        }
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        entries.insert(hash, Entry { user, generation, at: now });
    }

    /// A write that can change key lookups completed: forget everything.
    pub fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        self.entries().clear();
    }

    /// Invalidates when dropped: held across a write, so the cache is invalidated after
    /// the write whether the caller waits for it or goes away.
    pub fn write_guard(&self) -> WriteGuard<'_> {
        WriteGuard(self)
    }

    pub fn len(&self) -> usize {
        self.entries().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

pub struct WriteGuard<'a>(&'a KeyCache);

impl Drop for WriteGuard<'_> {
    fn drop(&mut self) {
        self.0.invalidate();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{Role, UserId};

    fn user(id: i32) -> AuthUser {
        AuthUser { id: UserId(id), uuid: uuid::Uuid::nil(), role: Role::User, email: "a@b.c".into(), nsfw: false }
    }

    #[test]
    fn an_answer_is_served_for_one_ttl() {
        let c = KeyCache::default();
        let t0 = Instant::now();
        c.put("h".into(), user(1), c.generation(), t0);
        assert_eq!(c.get("h", t0), Some(user(1)));
        assert_eq!(c.get("h", t0 + TTL - Duration::from_millis(1)), Some(user(1)));
        assert_eq!(c.get("h", t0 + TTL), None);
        assert_eq!(c.get("other", t0), None);
    }

    #[test]
    fn a_write_forgets_everything_and_refuses_answers_read_before_it() {
        let c = KeyCache::default();
        let now = Instant::now();
        c.put("h".into(), user(1), c.generation(), now);
        let started = c.generation();
        drop(c.write_guard());
        assert_eq!(c.get("h", now), None, "invalidated");
        assert!(c.is_empty());
        c.put("h".into(), user(1), started, now);
        assert_eq!(c.get("h", now), None, "an answer read before the write is not cached");
        c.put("h".into(), user(2), c.generation(), now);
        assert_eq!(c.get("h", now), Some(user(2)));
    }

    #[test]
    fn the_map_never_exceeds_its_bound() {
        let c = KeyCache::default();
        let now = Instant::now();
        for i in 0..MAX_ENTRIES + 10 {
            c.put(format!("{i}"), user(1), c.generation(), now);
        }
        assert!(c.len() <= MAX_ENTRIES);
        assert_eq!(c.get(&format!("{}", MAX_ENTRIES + 9), now), Some(user(1)));
    }
}
