//! A real local Redis Cluster (3 masters, no replicas) for tests, driven by
//! `redis-cluster.sh` (embedded). Shared by the API tests and the actors crate's bridge
//! contract suite (which includes this file by path), so it uses only `std`.
//!
//! The script owns the nodes and kills them when its stdin closes: dropping
//! [`RedisCluster`] closes it, and so does the end of the test process on any exit path
//! (panic, abort, kill), so no node outlives its test.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

const SCRIPT: &str = include_str!("redis-cluster.sh");

pub struct RedisCluster {
    pub ports: Vec<u16>,
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
}

impl RedisCluster {
    /// Starts three masters, creates the cluster and waits until every node reports it ok.
    pub fn start() -> RedisCluster {
        RedisCluster::start_with_replicas(0)
    }

    /// The same with `replicas` replicas per master (`ports`: masters first).
    pub fn start_with_replicas(replicas: u8) -> RedisCluster {
        let mut child = Command::new("bash")
            .arg("-c")
            .arg(SCRIPT)
            .env("RC_REPLICAS", replicas.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("bash (redis-server and redis-cli >= 7 must be installed)");
        let stdin = child.stdin.take();
        let mut stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        let mut line = String::new();
        stdout.read_line(&mut line).expect("cluster script output");
        let ports: Vec<u16> = match line.trim().strip_prefix("ready ") {
            Some(rest) => rest.split(' ').map(|p| p.parse().expect("port")).collect(),
            None => panic!("Redis Cluster did not start: {line:?}"),
        };
        RedisCluster { ports, child, stdin, stdout }
    }

    /// `REDIS_URL` naming every node (comma-separated).
    pub fn url(&self) -> String {
        self.ports.iter().map(|p| format!("redis://127.0.0.1:{p}")).collect::<Vec<_>>().join(",")
    }

    pub fn node_urls(&self) -> Vec<String> {
        self.ports.iter().map(|p| format!("redis://127.0.0.1:{p}")).collect()
    }

    fn command(&mut self, cmd: &str, port: u16, expect: &str) {
        let stdin = self.stdin.as_mut().expect("cluster running");
        writeln!(stdin, "{cmd} {port}").expect("cluster script stdin");
        stdin.flush().expect("flush");
        let mut line = String::new();
        self.stdout.read_line(&mut line).expect("cluster script output");
        assert_eq!(line.trim(), format!("{expect} {port}"), "cluster script: {cmd} {port}");
    }

    /// Kills one node (its slots become unavailable until it is started again).
    pub fn stop_node(&mut self, port: u16) {
        self.command("stop", port, "stopped");
    }

    /// Restarts a stopped node with its old identity and slots; returns once the cluster
    /// reports ok again.
    pub fn start_node(&mut self, port: u16) {
        self.command("start", port, "started");
    }
}

impl Drop for RedisCluster {
    fn drop(&mut self) {
        drop(self.stdin.take());
        let _ = self.child.wait();
    }
}
