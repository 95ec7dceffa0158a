//! The instance's Redis command connection, whatever the deployment: a bb8 pool of
//! connections to one node, or one slot-routing connection to a Redis Cluster.
//!
//! Every user of Redis commands (`Kv`, presence, auth counters, health, the processing
//! queue read) holds a [`RedisPool`] and calls [`RedisPool::get`], which gives a
//! [`RedisConn`] usable with `query_async`. In cluster mode the connection routes each
//! command to the node owning its key's slot and follows `MOVED`/`ASK` itself; a command
//! or script touching several keys must therefore use keys of one slot (hash tags, see
//! `presence.rs`). A `MULTI` over one key (the rate-limit counter) needs nothing.
//!
//! **Detection** ([`RedisPool::connect`]): `REDIS_URL` holding several comma-separated
//! nodes means a cluster; a single node is asked `INFO cluster` and is a cluster when it
//! answers `cluster_enabled:1`. A single node that cannot be reached at startup is taken
//! as a plain node (logged), so the server still starts while Redis is down, as before.
//!
//! The cluster connection is opened on first use (single flight) and then repairs itself:
//! lost node connections are reconnected and the slot map refreshed by the client.
//!
//! **A single node's connection is shared, not checked out.** Its connections are
//! multiplexed: any number of commands can be in flight on one, and those issued in the
//! same turn leave in one write (pipelined). So [`RedisPool::get`] hands every caller a
//! clone of one connection that the pool verified (`PING`) when it was taken, and the
//! pool is only asked again once a command on it failed with a connection error. Holding
//! a pooled connection for the length of each command instead made every command wait
//! for a free one of 16: in a reconnect wave, with the worker busy, a check-out is held
//! for several of its turns, and checkouts timed out after 2 s by the thousand
//! (presence fell back to local counts, `state_sync` replays were skipped). Measured in
//! `README.md`, Performance.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use redis::aio::{ConnectionLike, MultiplexedConnection};
use redis::cluster::{ClusterClient, ClusterClientBuilder};
use redis::cluster_async::ClusterConnection;
use redis::cluster_routing::{RoutingInfo, SingleNodeRoutingInfo};
use redis::{Cmd, Pipeline, RedisFuture, Value};
use tokio::sync::OnceCell;

/// A single node: the bb8 pool that opens and verifies connections, and the one
/// connection every command currently shares.
pub struct SinglePool {
    pool: bb8::Pool<bb8_redis::RedisConnectionManager>,
    /// `(generation, connection)`; a generation identifies one connection taken from the
    /// pool, so that a failure on an older one cannot drop its replacement.
    shared: Mutex<(u64, Option<MultiplexedConnection>)>,
}

impl SinglePool {
    fn shared(&self) -> std::sync::MutexGuard<'_, (u64, Option<MultiplexedConnection>)> {
        // Poisoned only by a panic while holding it; the slot is always consistent.
        self.shared.lock().unwrap_or_else(|p| p.into_inner())
    }

    async fn get(&self) -> Result<(u64, MultiplexedConnection), RedisUnavailable> {
        if let (generation, Some(conn)) = &*self.shared() {
            return Ok((*generation, conn.clone()));
        }
        // Checked with `PING` by the pool; held only long enough to clone it.
        let conn = self.pool.get().await.map_err(|e| RedisUnavailable(e.to_string()))?.clone();
        let mut shared = self.shared();
        if let (generation, Some(current)) = &*shared {
            // Another caller installed one meanwhile: use it, there is one shared connection.
            return Ok((*generation, current.clone()));
        }
        shared.0 += 1;
        shared.1 = Some(conn.clone());
        Ok((shared.0, conn))
    }

    /// A command on connection `generation` failed with a connection error: the next
    /// caller takes a verified connection from the pool again.
    fn forget(&self, generation: u64) {
        let mut shared = self.shared();
        if shared.0 == generation {
            shared.1 = None;
        }
    }
}

/// Errors after which a multiplexed connection is not used again. A response timeout
/// (500 ms by default) is not one: the connection still works, Redis or this process was
/// slow, and the replies that do come back stay matched to their requests.
fn connection_lost(e: &redis::RedisError) -> bool {
    !e.is_timeout() && (e.is_io_error() || e.is_connection_dropped() || e.is_unrecoverable_error())
}

/// How long opening a connection (pool member or cluster) may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// Bound on one cluster command, retries and redirections included.
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(2);

#[derive(Debug, thiserror::Error)]
pub enum RedisSetupError {
    #[error("invalid REDIS_URL: {0}")]
    Url(#[from] redis::RedisError),
    #[error("REDIS_PREFIX must not contain '{{' or '}}' with a Redis Cluster (it would change the keys' hash slots)")]
    PrefixHasBraces,
}

#[derive(Debug, thiserror::Error)]
#[error("redis unavailable: {0}")]
pub struct RedisUnavailable(pub String);

/// The node list of `REDIS_URL`: comma-separated, `redis://` added where no scheme is given.
pub fn parse_nodes(url: &str) -> Vec<String> {
    url.split(',')
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(|n| if n.contains("://") { n.to_string() } else { format!("redis://{n}") })
        .collect()
}

/// TCP settings of every Redis connection: `TCP_NODELAY`. Commands are pipelined on
/// multiplexed connections; with Nagle's algorithm a command written while an earlier
/// one is unacknowledged waits for that acknowledgement (a round trip, and up to the
/// peer's 40 ms delayed-ACK timer when it has nothing else to send).
fn tcp_settings() -> redis::io::tcp::TcpSettings {
    redis::io::tcp::TcpSettings::default().set_nodelay(true)
}

/// Connection info of one Redis node (a `redis://` URL) with [`tcp_settings`].
pub fn node_info(url: &str) -> redis::RedisResult<redis::ConnectionInfo> {
    let info = redis::IntoConnectionInfo::into_connection_info(url)?;
    let tcp = info.tcp_settings().clone().set_nodelay(true);
    Ok(info.set_tcp_settings(tcp))
}

/// A client of one Redis node with [`tcp_settings`].
pub fn client(url: &str) -> redis::RedisResult<redis::Client> {
    redis::Client::open(node_info(url)?)
}

/// The cluster client every cluster-mode connection of this instance is built from.
pub fn cluster_builder(nodes: &[String]) -> ClusterClientBuilder {
    ClusterClientBuilder::new(nodes.to_vec())
        .tcp_settings(tcp_settings())
        .connection_timeout(CONNECT_TIMEOUT)
        .response_timeout(RESPONSE_TIMEOUT)
        .retries(3)
        .min_retry_wait(10)
        .max_retry_wait(500)
}

/// Asks one node whether it runs in cluster mode; `None` when it cannot be reached.
async fn probe_cluster_enabled(url: &str) -> Option<bool> {
    let client = client(url).ok()?;
    let info = async {
        let mut conn = client.get_multiplexed_async_connection().await.ok()?;
        redis::cmd("INFO").arg("cluster").query_async::<String>(&mut conn).await.ok()
    };
    let info = tokio::time::timeout(CONNECT_TIMEOUT, info).await.ok()??;
    Some(info.lines().any(|l| l.trim() == "cluster_enabled:1"))
}

pub struct ClusterPool {
    nodes: Vec<String>,
    client: ClusterClient,
    conn: OnceCell<ClusterConnection>,
}

/// The shared command connection (cheap to clone).
#[derive(Clone)]
pub enum RedisPool {
    Single(Arc<SinglePool>),
    Cluster(Arc<ClusterPool>),
}

impl RedisPool {
    /// Detects the deployment behind `url` and builds the matching connection (lazily:
    /// a Redis that is down at startup is retried on use). Logs which mode was chosen.
    pub async fn connect(url: &str, size: u32, prefix: &str) -> Result<RedisPool, RedisSetupError> {
        let nodes = parse_nodes(url);
        let cluster = match nodes.as_slice() {
            [one] => match probe_cluster_enabled(one).await {
                Some(enabled) => enabled,
                None => {
                    tracing::warn!("Redis unreachable at startup: assuming a single node (not a cluster)");
                    false
                }
            },
            _ => true,
        };
        if cluster {
            RedisPool::cluster(&nodes, prefix)
        } else {
            tracing::info!("Redis: single node (plain pub/sub)");
            let manager = bb8_redis::RedisConnectionManager::new(node_info(url)?)?;
            let pool = bb8::Pool::builder().max_size(size.max(1)).connection_timeout(CONNECT_TIMEOUT);
            let pool = pool.build_unchecked(manager);
            Ok(RedisPool::Single(Arc::new(SinglePool { pool, shared: Mutex::new((0, None)) })))
        }
    }

    /// Cluster mode without probing (`nodes` are seed nodes of a Redis Cluster).
    pub fn cluster(nodes: &[String], prefix: &str) -> Result<RedisPool, RedisSetupError> {
        if prefix.contains(['{', '}']) {
            return Err(RedisSetupError::PrefixHasBraces);
        }
        tracing::info!(seeds = nodes.len(), "Redis: cluster mode (slot routing, sharded pub/sub)");
        let client = cluster_builder(nodes).build()?;
        Ok(RedisPool::Cluster(Arc::new(ClusterPool { nodes: nodes.to_vec(), client, conn: OnceCell::new() })))
    }

    pub fn is_cluster(&self) -> bool {
        matches!(self, RedisPool::Cluster(_))
    }

    /// Seed nodes of the cluster (empty for a single node).
    pub fn cluster_nodes(&self) -> &[String] {
        match self {
            RedisPool::Cluster(c) => &c.nodes,
            RedisPool::Single(_) => &[],
        }
    }

    /// Pool counters (single node only: the cluster connection is multiplexed).
    pub fn state(&self) -> Option<bb8::State> {
        match self {
            RedisPool::Single(p) => Some(p.pool.state()),
            RedisPool::Cluster(_) => None,
        }
    }

    /// Health: a single node answers `PING`; on a cluster every master (as listed by
    /// `CLUSTER SLOTS`) answers it, addressed directly — the client's own fan-out skips
    /// nodes it is not connected to, which would hide a dead master.
    pub async fn ping(&self) -> bool {
        let Ok(mut conn) = self.get().await else { return false };
        let conn = match &mut conn {
            RedisConn::Single { .. } => return redis::cmd("PING").query_async::<String>(&mut conn).await.is_ok(),
            RedisConn::Cluster(c) => c,
        };
        let slots = redis::cmd("CLUSTER").arg("SLOTS").clone();
        let Ok(Value::Array(ranges)) =
            conn.route_command(slots, RoutingInfo::SingleNode(SingleNodeRoutingInfo::Random)).await
        else {
            return false;
        };
        let mut masters: Vec<(String, u16)> = ranges.iter().filter_map(master_of_range).collect();
        masters.sort();
        masters.dedup();
        let pings = masters.into_iter().map(|(host, port)| {
            let mut c = conn.clone();
            async move {
                let route = RoutingInfo::SingleNode(SingleNodeRoutingInfo::ByAddress { host, port });
                c.route_command(redis::cmd("PING").clone(), route).await.is_ok()
            }
        });
        let results = futures_util::future::join_all(pings).await;
        !results.is_empty() && results.into_iter().all(|ok| ok)
    }

    pub async fn get(&self) -> Result<RedisConn<'_>, RedisUnavailable> {
        match self {
            RedisPool::Single(p) => {
                let (generation, conn) = p.get().await?;
                Ok(RedisConn::Single { conn, generation, pool: p })
            }
            RedisPool::Cluster(c) => {
                let open = || async {
                    match tokio::time::timeout(CONNECT_TIMEOUT, c.client.get_async_connection()).await {
                        Ok(r) => r.map_err(|e| RedisUnavailable(e.to_string())),
                        Err(_) => Err(RedisUnavailable("cluster connect timed out".into())),
                    }
                };
                c.conn.get_or_try_init(open).await.map(|conn| RedisConn::Cluster(conn.clone()))
            }
        }
    }
}

/// `(host, port)` of the master of one `CLUSTER SLOTS` entry `[start, end, [host, port, …], …]`.
fn master_of_range(range: &Value) -> Option<(String, u16)> {
    let Value::Array(fields) = range else { return None };
    let Value::Array(node) = fields.get(2)? else { return None };
    let host = match node.first()? {
        Value::BulkString(b) => String::from_utf8(b.clone()).ok()?,
        Value::SimpleString(s) => s.clone(),
        _ => return None,
    };
    let Value::Int(port) = node.get(1)? else { return None };
    Some((host, u16::try_from(*port).ok()?))
}

/// A connection to use as `&mut conn` with `query_async` (a handle on the shared one).
pub enum RedisConn<'a> {
    Single { conn: MultiplexedConnection, generation: u64, pool: &'a SinglePool },
    Cluster(ClusterConnection),
}

impl ConnectionLike for RedisConn<'_> {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        match self {
            RedisConn::Single { conn, generation, pool } => {
                let (generation, pool) = (*generation, *pool);
                Box::pin(async move {
                    let result = conn.req_packed_command(cmd).await;
                    if result.as_ref().is_err_and(connection_lost) {
                        pool.forget(generation);
                    }
                    result
                })
            }
            RedisConn::Cluster(c) => c.req_packed_command(cmd),
        }
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        match self {
            RedisConn::Single { conn, generation, pool } => {
                let (generation, pool) = (*generation, *pool);
                Box::pin(async move {
                    let result = conn.req_packed_commands(pipeline, offset, count).await;
                    if result.as_ref().is_err_and(connection_lost) {
                        pool.forget(generation);
                    }
                    result
                })
            }
            RedisConn::Cluster(c) => c.req_packed_commands(pipeline, offset, count),
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            RedisConn::Single { conn, .. } => conn.get_db(),
            RedisConn::Cluster(c) => c.get_db(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_lists_are_split_and_given_a_scheme() {
        assert_eq!(parse_nodes("redis://a:1"), vec!["redis://a:1"]);
        assert_eq!(parse_nodes("redis://a:1, b:2,,"), vec!["redis://a:1", "redis://b:2"]);
    }

    /// `TCP_NODELAY` of this process's end of the connection Redis describes in `info`
    /// (`CLIENT INFO`: `addr=` is our end as Redis sees it).
    fn nodelay_of(info: &str) -> bool {
        use std::os::fd::BorrowedFd;
        let addr = info.split(' ').find_map(|f| f.strip_prefix("addr=")).unwrap();
        let ours: std::net::SocketAddr = addr.parse().unwrap();
        let mut found = Vec::new();
        for entry in std::fs::read_dir("/proc/self/fd").unwrap() {
            let Ok(fd) = entry.unwrap().file_name().to_string_lossy().parse::<i32>() else { continue };
            // SAFETY: only queried; a descriptor closed or reused since the listing fails
            // the query or fails the address check.
            let fd = unsafe { BorrowedFd::borrow_raw(fd) };
            let socket = redis::io::tcp::socket2::SockRef::from(&fd);
            if socket.local_addr().ok().and_then(|a| a.as_socket()) == Some(ours) {
                found.push(socket.tcp_nodelay().unwrap());
            }
        }
        assert_eq!(found.len(), 1, "our end of {addr}");
        found[0]
    }

    #[tokio::test]
    async fn redis_connections_have_tcp_nodelay() {
        let client = client("redis://127.0.0.1:6379").unwrap();
        let mut conn = client.get_multiplexed_async_connection().await.unwrap();
        let info: String = redis::cmd("CLIENT").arg("INFO").query_async(&mut conn).await.unwrap();
        assert!(nodelay_of(&info), "a client from redisconn::client (the bridge's)");
        let pool = RedisPool::connect("redis://127.0.0.1:6379", 2, "nodelay-test:").await.unwrap();
        let mut conn = pool.get().await.unwrap();
        let info: String = redis::cmd("CLIENT").arg("INFO").query_async(&mut conn).await.unwrap();
        assert!(nodelay_of(&info), "a pooled connection");
        // The cluster builder carries the same settings (it has no getter to compare).
        assert!(node_info("redis://127.0.0.1:6379").unwrap().tcp_settings().nodelay());
    }

    async fn client_id(pool: &RedisPool) -> redis::RedisResult<i64> {
        let mut conn = pool.get().await.map_err(|e| redis::RedisError::from((redis::ErrorKind::Io, "get", e.0)))?;
        redis::cmd("CLIENT").arg("ID").query_async(&mut conn).await
    }

    /// Commands share one verified connection however many run at once (a pool of one
    /// would otherwise serialize them), and a connection that is lost is replaced: at most
    /// the command that found it dead fails. Real Redis at 127.0.0.1:6379.
    #[tokio::test]
    async fn commands_share_one_connection_and_a_lost_one_is_replaced() {
        let pool = RedisPool::connect("redis://127.0.0.1:6379", 1, "redisconn-test:").await.unwrap();
        let first = client_id(&pool).await.unwrap();
        let ids = futures_util::future::join_all((0..200).map(|_| client_id(&pool))).await;
        assert!(ids.iter().all(|id| id.as_ref().ok() == Some(&first)), "not all on connection {first}: {ids:?}");

        let admin = redis::Client::open("redis://127.0.0.1:6379").unwrap();
        let mut admin = admin.get_multiplexed_async_connection().await.unwrap();
        let killed: i64 = redis::cmd("CLIENT").arg("KILL").arg("ID").arg(first).query_async(&mut admin).await.unwrap();
        assert_eq!(killed, 1);

        let mut failures = 0;
        let replaced = loop {
            match client_id(&pool).await {
                Ok(id) if id != first => break id,
                Ok(_) => panic!("the killed connection {first} answered"),
                Err(_) => failures += 1,
            }
            assert!(failures <= 3, "connection not replaced after {failures} failed commands");
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        assert_ne!(replaced, first);
        assert_eq!(client_id(&pool).await.unwrap(), replaced, "the replacement is shared in turn");
    }

    #[test]
    fn a_prefix_with_braces_is_refused_in_cluster_mode() {
        let err = RedisPool::cluster(&["redis://127.0.0.1:1".into()], "app{x}:").err();
        assert!(matches!(err, Some(RedisSetupError::PrefixHasBraces)));
    }
}
