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
//! * **Concurrent lookups of one key share one query** (single flight): the first miss
//!   leads, lookups of the same key that start while it runs (in the same generation)
//!   wait for its answer instead of sending their own. The devices of a user reconnect
//!   together and a script fires its requests in parallel, so without this a burst of
//!   one key reached PostgreSQL once per request: the 1 s cache only helps after the
//!   first answer. If the leader fails or its caller goes away, each follower runs its
//!   own query. A write that starts a new generation also starts a new flight: lookups
//!   after it never join a query from before it.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::oneshot;

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

/// A query in progress for one key: who waits for it.
struct Flight {
    id: u64,
    generation: u64,
    waiters: Vec<oneshot::Sender<Option<AuthUser>>>,
}

/// How lookups were answered, for `/metrics`: from the cache, by waiting for another
/// lookup's query, by a query of their own.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LookupCounts {
    pub cached: u64,
    pub shared: u64,
    pub queried: u64,
}

#[derive(Default)]
pub struct KeyCache {
    generation: AtomicU64,
    entries: Mutex<HashMap<String, Entry>>,
    flights: Mutex<HashMap<String, Flight>>,
    next_flight: AtomicU64,
    cached: AtomicU64,
    shared: AtomicU64,
    queried: AtomicU64,
}

/// What a lookup does after [`KeyCache::lookup`].
pub enum Lookup {
    /// A current answer from the cache.
    Cached(AuthUser),
    /// Another lookup of this key is querying: wait for its answer. An error means it
    /// failed or was dropped: query instead (see [`KeyCache::query_alone`]).
    Follow(oneshot::Receiver<Option<AuthUser>>),
    /// Query, then hand the answer to [`Leader::finish`].
    Lead(Leader),
}

/// The lookup that queries for a key while others wait. Dropped without
/// [`finish`](Leader::finish) (an error, or its caller went away), it ends the flight and
/// its followers query themselves.
pub struct Leader {
    cache: Arc<KeyCache>,
    hash: String,
    id: u64,
    generation: u64,
    done: bool,
}

impl Leader {
    /// Caches a found answer (if no write completed meanwhile) and hands the answer to
    /// every follower.
    pub fn finish(mut self, answer: Option<AuthUser>) {
        self.done = true;
        if let Some(user) = &answer {
            self.cache.put(self.hash.clone(), user.clone(), self.generation, Instant::now());
        }
        for waiter in self.cache.end_flight(&self.hash, self.id) {
            let _ = waiter.send(answer.clone());
        }
    }
}

impl Drop for Leader {
    fn drop(&mut self) {
        if !self.done {
            // Dropping the senders wakes the followers with an error.
            drop(self.cache.end_flight(&self.hash, self.id));
        }
    }
}

impl KeyCache {
    fn entries(&self) -> std::sync::MutexGuard<'_, HashMap<String, Entry>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn flights(&self) -> std::sync::MutexGuard<'_, HashMap<String, Flight>> {
        self.flights.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Starts a lookup of `hash` at `now`: answered from the cache, joined to a query of
    /// the same key in progress, or leading a new one.
    pub fn lookup(self: &Arc<Self>, hash: &str, now: Instant) -> Lookup {
        if let Some(user) = self.get(hash, now) {
            self.cached.fetch_add(1, Ordering::Relaxed);
            return Lookup::Cached(user);
        }
        let generation = self.generation();
        let mut flights = self.flights();
        if let Some(flight) = flights.get_mut(hash).filter(|f| f.generation == generation) {
            let (tx, rx) = oneshot::channel();
            flight.waiters.push(tx);
            self.shared.fetch_add(1, Ordering::Relaxed);
            return Lookup::Follow(rx);
        }
        // No flight, or one from before a write: this lookup starts a new one (the old
        // leader still answers its own followers, and cannot end this flight).
        let id = self.next_flight.fetch_add(1, Ordering::Relaxed);
        flights.insert(hash.to_string(), Flight { id, generation, waiters: Vec::new() });
        self.queried.fetch_add(1, Ordering::Relaxed);
        Lookup::Lead(Leader { cache: self.clone(), hash: hash.to_string(), id, generation, done: false })
    }

    /// A follower whose leader failed queries on its own: counted, then answered like a
    /// leader without followers (returns the generation to [`put`](Self::put) it in).
    pub fn query_alone(&self) -> u64 {
        self.queried.fetch_add(1, Ordering::Relaxed);
        self.generation()
    }

    fn end_flight(&self, hash: &str, id: u64) -> Vec<oneshot::Sender<Option<AuthUser>>> {
        let mut flights = self.flights();
        match flights.get(hash) {
            Some(f) if f.id == id => flights.remove(hash).map(|f| f.waiters).unwrap_or_default(),
            _ => Vec::new(),
        }
    }

    /// Lookups so far, by how they were answered.
    pub fn counts(&self) -> LookupCounts {
        LookupCounts {
            cached: self.cached.load(Ordering::Relaxed),
            shared: self.shared.load(Ordering::Relaxed),
            queried: self.queried.load(Ordering::Relaxed),
        }
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

    fn lead(l: Lookup) -> Leader {
        match l {
            Lookup::Lead(leader) => leader,
            _ => panic!("expected to lead"),
        }
    }

    fn follow(l: Lookup) -> oneshot::Receiver<Option<AuthUser>> {
        match l {
            Lookup::Follow(rx) => rx,
            _ => panic!("expected to follow"),
        }
    }

    #[test]
    fn concurrent_lookups_of_one_key_share_the_leaders_answer() {
        let c = Arc::new(KeyCache::default());
        let now = Instant::now();
        let leader = lead(c.lookup("h", now));
        let mut followers: Vec<_> = (0..3).map(|_| follow(c.lookup("h", now))).collect();
        let other = lead(c.lookup("other key", now));
        leader.finish(Some(user(7)));
        for f in &mut followers {
            assert_eq!(f.try_recv().unwrap(), Some(user(7)));
        }
        assert!(matches!(c.lookup("h", now), Lookup::Cached(u) if u == user(7)), "the answer is cached");
        assert_eq!(c.counts(), LookupCounts { cached: 1, shared: 3, queried: 2 });
        // A key that is not found: followers learn it too, nothing is cached.
        other.finish(None);
        let leader = lead(c.lookup("other key", now));
        let mut f = follow(c.lookup("other key", now));
        leader.finish(None);
        assert_eq!(f.try_recv().unwrap(), None);
        assert!(matches!(c.lookup("other key", now), Lookup::Lead(_)));
    }

    #[test]
    fn followers_of_a_failed_leader_are_released_to_query_themselves() {
        let c = Arc::new(KeyCache::default());
        let now = Instant::now();
        let leader = lead(c.lookup("h", now));
        let mut f = follow(c.lookup("h", now));
        drop(leader);
        assert!(f.try_recv().is_err(), "woken with an error, not left waiting");
        let generation = c.query_alone();
        assert_eq!(generation, c.generation());
        assert!(matches!(c.lookup("h", now), Lookup::Lead(_)), "the flight ended with its leader");
    }

    #[test]
    fn lookups_after_a_write_never_join_a_query_from_before_it() {
        let c = Arc::new(KeyCache::default());
        let now = Instant::now();
        let before = lead(c.lookup("h", now));
        let mut early = follow(c.lookup("h", now));
        drop(c.write_guard());
        let after = lead(c.lookup("h", now));
        let mut late = follow(c.lookup("h", now));
        // The old leader's answer reaches nobody who started after the write, and is not
        // cached; its own followers were released (the flight was replaced).
        before.finish(Some(user(1)));
        assert!(early.try_recv().is_err());
        assert!(matches!(late.try_recv(), Err(oneshot::error::TryRecvError::Empty)));
        assert!(matches!(c.lookup("h", now), Lookup::Follow(_)));
        after.finish(Some(user(2)));
        assert_eq!(late.try_recv().unwrap(), Some(user(2)));
        assert!(matches!(c.lookup("h", now), Lookup::Cached(u) if u == user(2)));
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
