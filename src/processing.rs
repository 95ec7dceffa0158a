//! The video-processing hand-off (`storage-and-jobs.md` §5.1).
//!
//! `POST <PROCESSING_SERVICE_URL>/process-video {"dream_uuid", "extension"}` with
//! `Authorization: Api-Key <PROCESSING_SERVICE_API_KEY>`, each attempt bounded by
//! `PROCESSING_TIMEOUT_SECS`. Transport errors and 5xx answers are retried (three attempts
//! in all, 0.5 s then 1 s apart: the service restarting should not lose a job); 4xx is
//! final. Failures are logged without the key and never reach the client: the dream
//! stays `queue` and an admin can call `process-dream` again. Callers spawn the request
//! after their database work is committed, so the HTTP response never waits for it.

use std::time::Duration;

use serde_json::json;
use uuid::Uuid;

use crate::config::ProcessingSettings;

/// Attempts per hand-off, and the pause before each retry.
const RETRY_DELAYS: [Duration; 2] = [Duration::from_millis(500), Duration::from_secs(1)];

#[derive(Clone)]
pub struct Processing {
    client: reqwest::Client,
    settings: ProcessingSettings,
}

#[derive(Debug, PartialEq, Eq)]
pub enum HandOff {
    Sent,
    /// No `PROCESSING_SERVICE_URL`: skipped with a warning.
    Skipped,
    Failed(String),
}

impl Processing {
    pub fn new(settings: ProcessingSettings) -> Processing {
        let client = reqwest::Client::builder().timeout(settings.timeout).build().unwrap_or_default();
        Processing { client, settings }
    }

    /// One hand-off with retries. Never panics, never returns an error to the caller.
    pub async fn request(&self, dream_uuid: Uuid, extension: &str) -> HandOff {
        let Some(base) = &self.settings.service_url else {
            tracing::warn!(dream_uuid = %dream_uuid, "PROCESSING_SERVICE_URL is not set: processing hand-off skipped");
            return HandOff::Skipped;
        };
        let url = format!("{base}/process-video");
        let body = json!({"dream_uuid": dream_uuid.to_string(), "extension": extension});
        let mut last = String::new();
        for attempt in 0..=RETRY_DELAYS.len() {
            if attempt > 0 {
                tokio::time::sleep(RETRY_DELAYS[attempt - 1]).await;
            }
            let mut req = self.client.post(&url).json(&body);
            if let Some(key) = &self.settings.api_key {
                req = req.header("Authorization", format!("Api-Key {key}"));
            }
            match req.send().await {
                Ok(res) if res.status().is_success() => {
                    tracing::info!(dream_uuid = %dream_uuid, "processing requested");
                    return HandOff::Sent;
                }
                Ok(res) if res.status().is_client_error() => {
                    last = format!("processing service answered {}", res.status());
                    break;
                }
                Ok(res) => last = format!("processing service answered {}", res.status()),
                // reqwest errors carry the URL, never headers: the key is not logged.
                Err(e) => last = format!("processing service unreachable: {e}"),
            }
        }
        tracing::error!(dream_uuid = %dream_uuid, error = %last, "processing hand-off failed");
        HandOff::Failed(last)
    }

    /// Runs [`Processing::request`] in the background.
    pub fn spawn_request(&self, dream_uuid: Uuid, extension: String) {
        let this = self.clone();
        tokio::spawn(async move {
            this.request(dream_uuid, &extension).await;
        });
    }

    pub fn queue_key(&self) -> &str {
        &self.settings.queue_key
    }
}

/// The extension of an object key (`a/b/c.mp4` → `mp4`), for the hand-off body.
pub fn key_extension(key: &str) -> String {
    let file = key.rsplit('/').next().unwrap_or(key);
    file.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extension_comes_from_the_file_name() {
        assert_eq!(key_extension("u/d/d.MP4"), "mp4");
        assert_eq!(key_extension("u.x/d/noext"), "");
    }
}
