//! Shared application state handed to every HTTP handler (`web::Data<AppState>`).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use actix_web::http::header::HeaderValue;
use infinidream_actors::jobs::{JobProgressFanout, JobProgressSink};
use infinidream_actors::ActorSystem;

use crate::auth::{AuthRuntime, StaticKeys};
use crate::config::Settings;
use crate::email::Mailer;
use crate::processing::Processing;
use crate::storage::Storage;

pub type RedisPool = infinidream_actors::redisconn::RedisPool;

#[derive(Clone)]
pub struct AppState {
    pub settings: Arc<Settings>,
    pub actors: ActorSystem,
    /// `None` in single-instance mode (no `REDIS_URL`).
    pub redis: Option<RedisPool>,
    pub static_keys: Arc<StaticKeys>,
    /// Session keys, the OIDC verifier, rate-limit and reveal state.
    pub auth: Arc<AuthRuntime>,
    pub mailer: Arc<Mailer>,
    /// Object storage and presigning.
    pub storage: Storage,
    /// The processing-service client.
    pub processing: Processing,
    /// Where `job:progress` events go: the instance's shared `Kv` (what a socket joining
    /// a dream room reads) and the room registry (one frame per socket).
    pub job_progress: Arc<dyn JobProgressSink>,
    /// `X-Powered-By: e-dream.ai <version>`, built once (`None` if the version is not a
    /// valid header value).
    pub powered_by: Option<HeaderValue>,
    draining: Arc<AtomicBool>,
}

impl AppState {
    pub fn new(settings: Arc<Settings>, actors: ActorSystem, redis: Option<RedisPool>) -> AppState {
        let static_keys = Arc::new(StaticKeys::new(&settings.api_keys));
        let auth = AuthRuntime::new(&settings, redis.clone());
        let mailer = Arc::new(Mailer::new(&settings.email, settings.app_env));
        let storage = Storage::new(&settings.storage);
        let processing = Processing::new(settings.processing.clone());
        let job_progress: Arc<dyn JobProgressSink> =
            Arc::new(JobProgressFanout::new(actors.kv.clone(), Some(actors.rooms.clone())));
        AppState {
            powered_by: HeaderValue::from_str(&format!("e-dream.ai {}", settings.app_version)).ok(),
            settings,
            actors,
            redis,
            static_keys,
            auth,
            mailer,
            storage,
            processing,
            job_progress,
            draining: Arc::new(AtomicBool::new(false)),
        }
    }

    /// True once shutdown has begun: health answers 503 `draining`, new realtime
    /// handshakes are refused.
    pub fn is_draining(&self) -> bool {
        self.draining.load(Ordering::Acquire)
    }

    pub fn start_draining(&self) {
        self.draining.store(true, Ordering::Release);
    }
}
