//! Randomized isolation test (issue #9 item 4): many users, each with 2–4 devices spread
//! over three server processes sharing Redis, random interleavings of relayed events and
//! reconnects (sockets closed and reopened mid-run, possibly on another instance).
//!
//! Property checked for every event (a `status` control carrying a unique marker):
//! * it reaches **exactly once** every device of its user that was connected for its whole
//!   duration (joined before the send, still open when the round's deliveries are
//!   collected), and
//! * it reaches **no device of another user**, ever, and no device twice.
//!
//! A device on instance X receives another instance's events only once X has subscribed to
//! the user's channel, which happens asynchronously after the first local join
//! (`realtime.md` §13). The test therefore tracks, per (user, instance), whether that
//! subscription is *proven* (a device there received an event published elsewhere) and only
//! expects cross-instance deliveries to proven instances; unproven ones are proven with
//! probe events at the end of each round. Deliveries that are not expected are still checked
//! for user and duplicates. The seed is printed; `ISOLATION_SEED=<n>` replays a run.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use crate::faults_support::*;
use crate::helpers::*;

const USERS: usize = 12;
const ROUNDS: usize = 24;
const ACTIONS_PER_ROUND: usize = 16;
/// One in this many actions is a reconnect; the others send an event.
const RECONNECT_ONE_IN: usize = 5;
const DELIVERY_BOUND: Duration = Duration::from_secs(10);
/// Pause between probe rounds while proving subscriptions.
const PROBE_INTERVAL: Duration = Duration::from_millis(100);

struct Slot {
    /// Unique per socket (a reconnect gets a new one).
    id: u64,
    user: usize,
    instance: usize,
    dev: Device,
    received: HashSet<u64>,
    expected: HashSet<u64>,
    /// Frames that carried no marker (presence, errors), for failure reports.
    other: Vec<String>,
}

struct World {
    seed: u64,
    rng: SeededRng,
    ports: Vec<u16>,
    keys: Vec<String>,
    slots: Vec<Slot>,
    /// Sockets closed by the test, still drained and checked (no expectations).
    closing: Vec<(usize, Device, HashSet<u64>)>,
    /// marker → (user, instance of the sender)
    origin: HashMap<u64, (usize, usize)>,
    /// marker → socket id of the sender
    sender: HashMap<u64, u64>,
    next_socket: u64,
    next_marker: u64,
    proven: HashSet<(usize, usize)>,
    expected_deliveries: usize,
}

/// Checks one frame seen by a device of `user` on `instance`; returns true for a marker.
fn absorb(
    seed: u64,
    origin: &HashMap<u64, (usize, usize)>,
    proven: &mut HashSet<(usize, usize)>,
    (user, instance): (usize, usize),
    received: &mut HashSet<u64>,
    frame: &str,
) {
    assert!(
        !frame.contains("[\"Error\"") && !frame.contains("[\"Validation error\""),
        "seed {seed}: a device of user {user} was refused an event: {frame}"
    );
    let Some(marker) = marker_of(frame) else { return };
    let Some(&(owner, from)) = origin.get(&marker) else {
        panic!("seed {seed}: unknown marker {marker} reached user {user}: {frame}");
    };
    assert_eq!(owner, user, "seed {seed}: event {marker} of user {owner} reached a device of user {user}");
    assert!(received.insert(marker), "seed {seed}: event {marker} reached a device of user {user} twice");
    if from != instance {
        proven.insert((user, instance));
    }
}

impl World {
    async fn open(&mut self, user: usize, instance: usize) {
        let dev = Device::connect(self.ports[instance], &self.keys[user])
            .await
            .unwrap_or_else(|e| panic!("seed {}: connect: {e:?}", self.seed));
        self.next_socket += 1;
        let id = self.next_socket;
        self.slots.push(Slot {
            id,
            user,
            instance,
            dev,
            received: HashSet::new(),
            expected: HashSet::new(),
            other: Vec::new(),
        });
    }

    fn send_from(&mut self, i: usize) {
        let marker = self.next_marker;
        self.next_marker += 1;
        let (user, from) = (self.slots[i].user, self.slots[i].instance);
        self.origin.insert(marker, (user, from));
        self.sender.insert(marker, self.slots[i].id);
        for s in self.slots.iter_mut().filter(|s| s.user == user) {
            if s.instance == from || self.proven.contains(&(user, s.instance)) {
                s.expected.insert(marker);
            }
        }
        self.slots[i].dev.send_marker(marker);
    }

    /// Closes a random device and opens a new one for its user on a random instance.
    async fn reconnect(&mut self) {
        let i = self.rng.below(self.slots.len());
        let old = self.slots.swap_remove(i);
        old.dev.close();
        // Events this socket sent in the current round may be dropped with it (the server
        // stops reading a closed socket): its sender was not connected for their duration.
        let sender = &self.sender;
        for s in &mut self.slots {
            s.expected.retain(|m| sender.get(m) != Some(&old.id));
        }
        if !self.slots.iter().any(|s| s.user == old.user && s.instance == old.instance) {
            // The instance may unsubscribe from the user's channel; a new join there must
            // prove its subscription again.
            self.proven.remove(&(old.user, old.instance));
        }
        self.closing.push((old.user, old.dev, old.received));
        let instance = self.rng.below(self.ports.len());
        self.open(old.user, instance).await;
    }

    /// Reads every open device until it has all its expected events (bounded).
    async fn collect(&mut self) {
        let deadline = tokio::time::Instant::now() + DELIVERY_BOUND;
        let (seed, origin, proven) = (self.seed, &self.origin, &mut self.proven);
        for s in &mut self.slots {
            while !s.expected.is_subset(&s.received) {
                let left = deadline.saturating_duration_since(tokio::time::Instant::now());
                match s.dev.next(left).await {
                    Some(Seen::Text(f, _)) => {
                        if marker_of(&f).is_none() {
                            s.other.push(f.clone());
                        }
                        absorb(seed, origin, proven, (s.user, s.instance), &mut s.received, &f)
                    }
                    other => {
                        let missing: Vec<_> = s.expected.difference(&s.received).collect();
                        let from: Vec<_> = missing.iter().map(|m| (origin[m], self.sender[m])).collect();
                        panic!(
                            "seed {seed}: socket {} of user {} on instance {} is missing {missing:?} \
                             from (user, instance) and socket {from:?} ({other:?}); proven {:?}; other frames {:?}",
                            s.id,
                            s.user,
                            s.instance,
                            proven.iter().filter(|p| p.0 == s.user).collect::<Vec<_>>(),
                            s.other
                        );
                    }
                }
            }
            self.expected_deliveries += s.expected.len();
            s.expected.clear();
        }
        self.drain_quietly();
    }

    /// Checks whatever already arrived, without waiting; forgets closed sockets.
    fn drain_quietly(&mut self) {
        let (seed, origin, proven) = (self.seed, &self.origin, &mut self.proven);
        for s in &mut self.slots {
            while let Ok(seen) = s.dev.inbox.try_recv() {
                match seen {
                    Seen::Text(f, _) => absorb(seed, origin, proven, (s.user, s.instance), &mut s.received, &f),
                    Seen::Closed(code, _) => panic!("seed {seed}: an open device was closed ({code:?})"),
                }
            }
        }
        self.closing.retain_mut(|(user, dev, received)| loop {
            match dev.inbox.try_recv() {
                // Closing sockets are not counted as subscribed anywhere: pass a scratch set.
                Ok(Seen::Text(f, _)) => absorb(seed, origin, &mut HashSet::new(), (*user, usize::MAX), received, &f),
                Ok(Seen::Closed(..)) | Err(tokio::sync::mpsc::error::TryRecvError::Disconnected) => break false,
                Err(tokio::sync::mpsc::error::TryRecvError::Empty) => break true,
            }
        });
    }

    /// Sends probes until every (user, instance) pair with a device and a sibling device on
    /// another instance is proven subscribed.
    async fn prove_subscriptions(&mut self) {
        let deadline = tokio::time::Instant::now() + DELIVERY_BOUND;
        loop {
            let pending: Vec<(usize, usize)> = self
                .slots
                .iter()
                .filter(|s| !self.proven.contains(&(s.user, s.instance)))
                .filter(|s| self.slots.iter().any(|o| o.user == s.user && o.instance != s.instance))
                .map(|s| (s.user, s.instance))
                .collect();
            if pending.is_empty() {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "seed {}: subscriptions never proven: {pending:?}",
                self.seed
            );
            for (user, instance) in pending {
                if let Some(i) = self.slots.iter().position(|o| o.user == user && o.instance != instance) {
                    self.send_from(i);
                }
            }
            self.collect().await;
            // Give cross-instance probes time to land before the next round of probes (and
            // stay far below the per-socket event rate limit).
            tokio::time::sleep(PROBE_INTERVAL).await;
            self.drain_quietly();
        }
    }
}

#[actix_web::test]
async fn random_interleavings_with_reconnects_deliver_each_event_to_exactly_its_users_devices() {
    let seed = std::env::var("ISOLATION_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64
    });
    eprintln!("isolation seed {seed} (replay with ISOLATION_SEED={seed})");
    let db = block_on(create_database());
    let _drop_db = DropDb(db.clone());
    let prefix = format!("iso{}:", uuid::Uuid::new_v4().simple());
    let servers: Vec<ChildServer> =
        (0..3).map(|_| ChildServer::start(&instance_env(&db, &prefix, free_port(), &[]), None)).collect();
    let keys = cli_users(&pg_url(&db), USERS).into_iter().map(|(_, k)| k).collect();
    let mut w = World {
        seed,
        rng: SeededRng::new(seed),
        ports: servers.iter().map(|s| s.port).collect(),
        keys,
        slots: Vec::new(),
        closing: Vec::new(),
        origin: HashMap::new(),
        sender: HashMap::new(),
        next_socket: 0,
        next_marker: 1,
        proven: HashSet::new(),
        expected_deliveries: 0,
    };
    for user in 0..USERS {
        for _ in 0..2 + w.rng.below(3) {
            let instance = w.rng.below(3);
            w.open(user, instance).await;
        }
    }
    w.prove_subscriptions().await;

    let mut reconnects = 0;
    for _ in 0..ROUNDS {
        for _ in 0..ACTIONS_PER_ROUND {
            if w.rng.below(RECONNECT_ONE_IN) == 0 {
                w.reconnect().await;
                reconnects += 1;
            } else {
                let i = w.rng.below(w.slots.len());
                w.send_from(i);
            }
        }
        w.collect().await;
        w.prove_subscriptions().await;
    }
    // Nothing stray arrives after the last expected delivery (a sampling window).
    tokio::time::sleep(Duration::from_millis(500)).await;
    w.drain_quietly();
    eprintln!(
        "isolation seed {seed}: {} events, {} checked deliveries, {reconnects} reconnects, {} devices",
        w.next_marker - 1,
        w.expected_deliveries,
        w.slots.len()
    );
    assert!(reconnects > 0 && w.expected_deliveries > 300, "seed {seed}: the run exercised too little");
}

/// Drops the test database when the test ends, after the servers (declared later) exit.
struct DropDb(String);

impl Drop for DropDb {
    fn drop(&mut self) {
        drop_database(self.0.clone());
    }
}
