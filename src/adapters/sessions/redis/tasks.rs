//! The bus's background tasks: the subscriber of this instance's channel and the renewal of
//! its session records. Both stop when the bus is dropped or closed.

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use redis::aio::PubSub;
use redis::{Client, RedisError};
use tokio::sync::{Notify, watch};
use tokio::time::{Instant, interval_at, timeout};

use super::records::Shared;
use super::{CONNECT_TIMEOUT, MAX_BACKOFF, RENEW_EVERY, RESPONSE_TIMEOUT, unavailable};
use crate::ports::BusError;

/// The first pause after a failure; doubled up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(100);

pub(super) async fn subscribe(client: &Client, channel: &str) -> Result<PubSub, BusError> {
    let attempt = async {
        let mut pubsub = client.get_async_pubsub().await?;
        pubsub.subscribe(channel).await?;
        Ok::<_, RedisError>(pubsub)
    };
    match timeout(CONNECT_TIMEOUT, attempt).await {
        Ok(Ok(pubsub)) => Ok(pubsub),
        Ok(Err(e)) => Err(unavailable("subscribe", &e)),
        Err(_) => Err(BusError::Unavailable("redis subscribe: timed out".into())),
    }
}

/// Forwards published messages until stopped, resubscribing when the connection is lost.
/// A lost subscription usually means Redis restarted and forgot the session records, so a
/// resubscription asks for an immediate renewal (`renew_now`) rather than waiting up to
/// [`RENEW_EVERY`] while other instances cannot find this instance's sessions.
pub(super) async fn listen(
    shared: Arc<Shared>,
    client: Client,
    channel: String,
    pubsub: PubSub,
    renew_now: Arc<Notify>,
    mut stop: watch::Receiver<bool>,
) {
    let mut pubsub = pubsub;
    loop {
        let (mut sink, mut messages) = pubsub.split();
        // A half-open TCP connection delivers nothing and reports nothing: ping it.
        let mut health = interval_at(Instant::now() + RENEW_EVERY, RENEW_EVERY);
        let lost = loop {
            tokio::select! {
                _ = stop.changed() => return,
                msg = messages.next() => match msg {
                    Some(msg) => shared.forward(&msg),
                    None => break "connection closed",
                },
                _ = health.tick() => {
                    let pong = timeout(RESPONSE_TIMEOUT, sink.ping::<redis::Value>()).await;
                    if !matches!(pong, Ok(Ok(_))) {
                        break "ping failed";
                    }
                }
            }
        };
        tracing::warn!(
            reason = lost,
            "session bus subscription lost, resubscribing"
        );
        let mut backoff = FIRST_BACKOFF;
        pubsub = loop {
            match subscribe(&client, &channel).await {
                Ok(pubsub) => break pubsub,
                Err(e) => tracing::warn!(error = %e, "session bus cannot resubscribe"),
            }
            tokio::select! {
                _ = stop.changed() => return,
                () = tokio::time::sleep(backoff) => {}
            }
            backoff = (backoff * 2).min(MAX_BACKOFF);
        };
        tracing::info!("session bus resubscribed; re-registering this instance's sessions");
        renew_now.notify_one();
    }
}

/// Renews every [`RENEW_EVERY`] and whenever `renew_now` is notified; a failed renewal is
/// retried with backoff until it succeeds, since live sessions stay unreachable until then.
pub(super) async fn renew_periodically(
    shared: Arc<Shared>,
    renew_now: Arc<Notify>,
    mut stop: watch::Receiver<bool>,
) {
    let mut every = interval_at(Instant::now() + RENEW_EVERY, RENEW_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = stop.changed() => return,
            _ = every.tick() => {}
            () = renew_now.notified() => {}
        }
        let mut backoff = FIRST_BACKOFF;
        while let Err(e) = shared.renew(None).await {
            tracing::warn!(error = %e, "cannot renew session records, retrying");
            tokio::select! {
                _ = stop.changed() => return,
                () = tokio::time::sleep(backoff) => {}
            }
            backoff = (backoff * 2).min(MAX_BACKOFF);
        }
    }
}
