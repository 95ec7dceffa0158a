//! Concurrent reads by key answered by shared statements.
//!
//! Some reads are asked for by many callers at once: every desktop player calls
//! `client/hello` when it starts, and a restart wave starts thousands. Each read is a
//! primary-key lookup whose cost in PostgreSQL is mostly the statement itself (parse of
//! the bind, executor start, the round trip), not the row. A [`Coalescer`] runs at most
//! [`MAX_STATEMENTS`] statements of one read at a time; reads that arrive while they
//! run wait for the next statement, which takes all of them (`WHERE id = ANY($1)`,
//! duplicates once). When the read is idle, a new read starts its statement at once, so
//! a lone caller waits no longer than before.
//!
//! Freshness: every statement starts after every read it answers arrived, so a caller
//! never gets a row older than its own request (unlike a cache, or joining a statement
//! already running). Errors reach every read of the failed statement; a key the
//! statement did not return answers `NotFound` for its own readers only.
//!
//! The coalescer lives in its domain actor (one per read): the actor queues a read with
//! [`Coalescer::add`], runs each batch it is handed, and reports the end of a statement
//! with [`Coalescer::finished`], which hands over the next batch. A dropped reader (its
//! HTTP request went away) costs nothing but its key in the next statement.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::oneshot;

use super::DomainError;

/// Statements of one read running at once. Two: the next batch starts as soon as either
/// statement ends, so a read waits at most about one statement's time before its own
/// starts, and under load each statement answers about half of the reads that arrived
/// during the one before it.
pub const MAX_STATEMENTS: usize = 2;

/// Keys per statement: bounds the statement's parameter array and its rows.
pub const MAX_KEYS: usize = 256;

/// How many reads arrived and how many statements answered them, shared between the
/// actor (which counts) and its handle (which reports, for `/metrics`).
#[derive(Default)]
pub struct Counters {
    reads: AtomicU64,
    statements: AtomicU64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub reads: u64,
    pub statements: u64,
}

impl Counters {
    pub fn read(&self) {
        self.reads.fetch_add(1, Ordering::Relaxed);
    }

    pub fn statement(&self) {
        self.statements.fetch_add(1, Ordering::Relaxed);
    }

    pub fn counts(&self) -> Counts {
        Counts { reads: self.reads.load(Ordering::Relaxed), statements: self.statements.load(Ordering::Relaxed) }
    }
}

/// Where a read's answer goes.
pub type Reply<V> = oneshot::Sender<Result<V, DomainError>>;

/// Readers waiting for one statement, by key.
pub struct Batch<K, V> {
    readers: Vec<(K, Reply<V>)>,
}

impl<K: Copy + Eq + Hash + Ord, V: Clone> Batch<K, V> {
    /// The distinct keys, sorted (the statement's parameter).
    pub fn keys(&self) -> Vec<K> {
        let mut keys: Vec<K> = self.readers.iter().map(|(k, _)| *k).collect();
        keys.sort_unstable();
        keys.dedup();
        keys
    }

    /// Answers every reader: its key's row, `NotFound` when the statement returned none,
    /// or the statement's error.
    pub fn answer(self, rows: Result<HashMap<K, V>, DomainError>) {
        match rows {
            Ok(rows) => {
                for (key, reply) in self.readers {
                    let _ = reply.send(rows.get(&key).cloned().ok_or(DomainError::NotFound));
                }
            }
            Err(e) => {
                for (_, reply) in self.readers {
                    let _ = reply.send(Err(e.clone()));
                }
            }
        }
    }

    pub fn len(&self) -> usize {
        self.readers.len()
    }

    pub fn is_empty(&self) -> bool {
        self.readers.is_empty()
    }
}

/// What a read that waited until its deadline gets.
pub const WAIT_TIMED_OUT: &str = "timed out waiting for a shared statement";

/// A reader's side: its answer, or "unavailable" at `deadline` (the operation bound,
/// `db::deadline`, taken when the read arrived) even if its statement has not started.
/// A read queued behind statements stuck on a database that stopped answering thus
/// gives up at its own deadline, not after theirs and then its own.
pub async fn wait<V>(
    answer: oneshot::Receiver<Result<V, DomainError>>,
    deadline: Option<tokio::time::Instant>,
) -> Result<V, DomainError> {
    let answer = match deadline {
        None => answer.await,
        Some(at) => match tokio::time::timeout_at(at, answer).await {
            Ok(answer) => answer,
            Err(_) => return Err(DomainError::Unavailable(WAIT_TIMED_OUT.into())),
        },
    };
    answer.unwrap_or_else(|_| Err(DomainError::Unavailable("the domain actor stopped".into())))
}

/// One read's queue and its running statements.
pub struct Coalescer<K, V> {
    waiting: Vec<(K, Reply<V>)>,
    running: usize,
}

impl<K, V> Default for Coalescer<K, V> {
    fn default() -> Self {
        Coalescer { waiting: Vec::new(), running: 0 }
    }
}

impl<K: Copy + Eq + Hash + Ord, V: Clone> Coalescer<K, V> {
    /// Queues a read; returns the batch to run now when a statement slot is free.
    pub fn add(&mut self, key: K, reply: Reply<V>) -> Option<Batch<K, V>> {
        self.waiting.push((key, reply));
        self.next()
    }

    /// A statement ended (whatever its outcome); returns the next batch to run, if any.
    pub fn finished(&mut self) -> Option<Batch<K, V>> {
        self.running = self.running.saturating_sub(1);
        self.next()
    }

    /// Statements running now.
    pub fn running(&self) -> usize {
        self.running
    }

    fn next(&mut self) -> Option<Batch<K, V>> {
        if self.running >= MAX_STATEMENTS || self.waiting.is_empty() {
            return None;
        }
        self.running += 1;
        // Take readers until MAX_KEYS distinct keys; the rest keep their order.
        let mut keys = std::collections::HashSet::new();
        let split = self
            .waiting
            .iter()
            .position(|(k, _)| {
                keys.insert(*k);
                keys.len() > MAX_KEYS
            })
            .unwrap_or(self.waiting.len());
        let rest = self.waiting.split_off(split);
        let readers = std::mem::replace(&mut self.waiting, rest);
        Some(Batch { readers })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Answer = oneshot::Receiver<Result<String, DomainError>>;

    fn read(c: &mut Coalescer<i32, String>, key: i32) -> (Option<Batch<i32, String>>, Answer) {
        let (tx, rx) = oneshot::channel();
        (c.add(key, tx), rx)
    }

    fn rows(pairs: &[(i32, &str)]) -> Result<HashMap<i32, String>, DomainError> {
        Ok(pairs.iter().map(|(k, v)| (*k, v.to_string())).collect())
    }

    #[test]
    fn an_idle_read_starts_its_statement_at_once() {
        let mut c = Coalescer::default();
        let (batch, mut rx) = read(&mut c, 7);
        let batch = batch.expect("no statement was running");
        assert_eq!(batch.keys(), vec![7]);
        assert_eq!(c.running(), 1);
        batch.answer(rows(&[(7, "seven")]));
        assert_eq!(rx.try_recv().unwrap().unwrap(), "seven");
        assert!(c.finished().is_none());
        assert_eq!(c.running(), 0);
    }

    #[test]
    fn reads_arriving_while_statements_run_share_the_next_one() {
        let mut c = Coalescer::default();
        let (first, _r1) = read(&mut c, 1);
        let (second, _r2) = read(&mut c, 2);
        assert!(first.is_some() && second.is_some(), "two statements may run at once");
        let mut waiting = Vec::new();
        for key in [3, 4, 3, 5, 4] {
            let (batch, rx) = read(&mut c, key);
            assert!(batch.is_none(), "both slots are busy");
            waiting.push((key, rx));
        }
        first.unwrap().answer(rows(&[(1, "one")]));
        let next = c.finished().expect("the waiting reads start when a statement ends");
        assert_eq!(next.keys(), vec![3, 4, 5], "one statement, each key once");
        assert_eq!(next.len(), 5);
        assert!(c.finished().is_none(), "nothing is left waiting");
        next.answer(rows(&[(3, "three"), (4, "four")]));
        for (key, mut rx) in waiting {
            match key {
                3 => assert_eq!(rx.try_recv().unwrap().unwrap(), "three"),
                4 => assert_eq!(rx.try_recv().unwrap().unwrap(), "four"),
                _ => assert!(matches!(rx.try_recv().unwrap(), Err(DomainError::NotFound))),
            }
        }
    }

    #[test]
    fn a_failed_statement_fails_each_of_its_reads_and_frees_its_slot() {
        let mut c = Coalescer::default();
        let (batch, mut rx) = read(&mut c, 1);
        let (_b2, _r2) = read(&mut c, 2);
        let (none, mut rx3) = read(&mut c, 3);
        assert!(none.is_none());
        batch.unwrap().answer(Err(DomainError::Unavailable("down".into())));
        assert!(matches!(rx.try_recv().unwrap(), Err(DomainError::Unavailable(_))));
        let next = c.finished().expect("the slot is free again");
        next.answer(rows(&[(3, "three")]));
        assert_eq!(rx3.try_recv().unwrap().unwrap(), "three");
    }

    #[test]
    fn a_statement_takes_at_most_max_keys_distinct_keys_in_arrival_order() {
        let mut c = Coalescer::default();
        let (_a, _ra) = read(&mut c, -1);
        let (_b, _rb) = read(&mut c, -2);
        let mut receivers = Vec::new();
        for key in 0..(MAX_KEYS as i32 + 10) {
            let (none, rx) = read(&mut c, key);
            assert!(none.is_none());
            receivers.push(rx);
            // A repeated key does not count twice.
            let (none, rx) = read(&mut c, 0);
            assert!(none.is_none());
            receivers.push(rx);
        }
        let first = c.finished().unwrap();
        assert_eq!(first.keys(), (0..MAX_KEYS as i32).collect::<Vec<_>>());
        let second = c.finished().unwrap();
        assert_eq!(second.keys().first(), Some(&0), "the repeated key after the split comes along");
        assert!(second.keys().contains(&(MAX_KEYS as i32 + 9)));
        assert_eq!(first.len() + second.len(), receivers.len());
        assert!(c.finished().is_none());
    }

    #[tokio::test]
    async fn a_waiting_read_gives_up_at_its_own_deadline() {
        let mut c = Coalescer::default();
        let (_a, _ra) = read(&mut c, 1);
        let (_b, _rb) = read(&mut c, 2);
        let (none, rx) = read(&mut c, 3);
        assert!(none.is_none(), "both slots are taken by statements that never end");
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_millis(50);
        match wait(rx, Some(deadline)).await {
            Err(DomainError::Unavailable(m)) => assert_eq!(m, WAIT_TIMED_OUT),
            other => panic!("{other:?}"),
        }
        assert!(tokio::time::Instant::now() >= deadline);
        // Answered in time: the answer.
        let (tx, rx) = oneshot::channel();
        tx.send(Ok("ok".to_string())).unwrap();
        assert_eq!(wait(rx, Some(deadline + std::time::Duration::from_secs(1))).await.unwrap(), "ok");
        // A dropped sender (the actor stopped) is "unavailable" too.
        let (tx, rx) = oneshot::channel::<Result<String, DomainError>>();
        drop(tx);
        assert!(matches!(wait(rx, None).await, Err(DomainError::Unavailable(_))));
    }

    #[test]
    fn a_reader_that_went_away_does_not_disturb_the_others() {
        let mut c = Coalescer::default();
        let (batch, rx) = read(&mut c, 1);
        drop(rx);
        let (_b, _r) = read(&mut c, 9);
        let (none, mut rx2) = read(&mut c, 1);
        assert!(none.is_none());
        batch.unwrap().answer(rows(&[(1, "one")]));
        let next = c.finished().unwrap();
        next.answer(rows(&[(1, "one again")]));
        assert_eq!(rx2.try_recv().unwrap().unwrap(), "one again");
    }
}
