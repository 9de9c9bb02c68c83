//! Redis restarts (records lost) and `rediss://`: each test owns its `redis-server`.

use super::*;

/// Bounded wait for the owner to re-register after Redis returns; far below `RENEW_EVERY`
/// (60 s), the only re-registration there was before resubscribing triggered one.
const RESTORED_WITHIN: Duration = Duration::from_secs(10);

macro_rules! owned_redis_or_skip {
    ($test:literal) => {
        match RedisServer::start_owned($test) {
            Some(redis) => redis,
            None => return,
        }
    };
}

async fn production_instance(redis: &RedisServer, prefix: &str) -> Arc<RedisSessionBus> {
    RedisSessionBus::connect(client(&redis.url(), None).unwrap(), prefix)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn after_a_redis_restart_a_live_session_is_never_unknown_and_its_owner_restores_it_promptly()
{
    // Arrange: the stream lives on A; B answers the POSTs.
    let mut redis = owned_redis_or_skip!("after_a_redis_restart_a_live_session_is_never_unknown");
    let prefix = prefix();
    let a = production_instance(&redis, &prefix).await;
    let b = production_instance(&redis, &prefix).await;
    let (id, mut inbox) = a.open(Subject::new("alice")).await.unwrap();

    // Act: Redis restarts empty.
    redis.restart();

    // Assert: B never calls the session unknown; it is unavailable until A re-registered it,
    // which A does by itself soon after Redis is back.
    let started = tokio::time::Instant::now();
    loop {
        match b.info(&id).await {
            Ok(info) => {
                assert_eq!(info.subject, Subject::new("alice"));
                break;
            }
            Err(BusError::Unavailable(_)) => {}
            Err(BusError::UnknownSession) => panic!("a live session was reported unknown"),
        }
        assert!(
            started.elapsed() < RESTORED_WITHIN,
            "the owner did not re-register its session"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    b.deliver(&id, "back".into()).await.unwrap();
    assert_eq!(next(&mut inbox).await.as_deref(), Some("back"));
}

#[tokio::test(flavor = "multi_thread")]
async fn after_a_redis_restart_the_owner_answers_for_its_session_and_restores_the_record() {
    // Arrange
    let mut redis = owned_redis_or_skip!("after_a_redis_restart_the_owner_answers");
    let prefix = prefix();
    let a = production_instance(&redis, &prefix).await;
    let (id, _inbox) = a.open(Subject::new("alice")).await.unwrap();
    redis.restart();

    // Act: the first lookup on the owner (retried while Redis is still reconnecting).
    let started = tokio::time::Instant::now();
    let info = loop {
        match a.info(&id).await {
            Ok(info) => break info,
            Err(e) if started.elapsed() < RESTORED_WITHIN => {
                assert_ne!(e, BusError::UnknownSession);
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            Err(e) => panic!("the owner could not answer: {e}"),
        }
    };

    // Assert: answered from the owner's own knowledge, and the record is back in Redis.
    assert_eq!(info.subject, Subject::new("alice"));
    let owner: Option<String> = redis::cmd("HGET")
        .arg(a.shared.key(&id))
        .arg("instance")
        .query_async(&mut raw(&redis).await)
        .await
        .unwrap();
    assert_eq!(owner.as_deref(), Some(a.shared.instance.as_str()));
}

#[tokio::test(flavor = "multi_thread")]
async fn after_a_redis_restart_a_session_nobody_owns_becomes_unknown_once_the_window_ends() {
    // Arrange: a one-second settle window.
    let mut redis = owned_redis_or_skip!("after_a_redis_restart_a_session_nobody_owns");
    let client = client(&redis.url(), None).unwrap();
    let bus = RedisSessionBus::connect_with(client, &prefix(), Duration::from_secs(1))
        .await
        .unwrap();
    let id = SessionId::new("gone");
    redis.restart();

    // Act + Assert: unavailable first, unknown within a bounded time.
    let started = tokio::time::Instant::now();
    let mut seen_unavailable = false;
    loop {
        match bus.info(&id).await {
            Err(BusError::Unavailable(_)) => seen_unavailable = true,
            Err(BusError::UnknownSession) => break,
            Ok(_) => panic!("a session nobody opened was found"),
        }
        assert!(started.elapsed() < RESTORED_WITHIN, "never became unknown");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        seen_unavailable,
        "the miss right after the restart was not held back"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_first_ping_after_redis_returns_succeeds() {
    // Arrange: Redis goes away and the bus notices.
    let mut redis = owned_redis_or_skip!("the_first_ping_after_redis_returns_succeeds");
    let bus = instance(&redis, &prefix()).await;
    redis.stop();
    assert!(bus.ping().await.is_err());
    // Let the reconnection that failure started give up while Redis is still down, so that
    // the connection manager holds a failed connection (what a health check meets after an
    // outage). Without this pause the test could pass by luck, never by failing wrongly.
    tokio::time::sleep(Duration::from_secs(1)).await;

    // Act
    redis.restart();
    let pong = bus.ping().await;

    // Assert
    assert_eq!(pong, Ok(()));
}

#[tokio::test(flavor = "multi_thread")]
async fn over_tls_with_the_test_ca_sessions_travel_between_instances() {
    // Arrange
    let Some(redis) = RedisServer::start_tls("over_tls_with_the_test_ca") else {
        return;
    };
    let ca = std::fs::read(RedisServer::ca_file()).unwrap();
    let prefix = prefix();
    let connect = || async {
        RedisSessionBus::connect(client(&redis.url(), Some(&ca)).unwrap(), &prefix)
            .await
            .unwrap()
    };
    let (a, b) = (connect().await, connect().await);
    let (id, mut inbox) = a.open(Subject::new("alice")).await.unwrap();

    // Act
    b.deliver(&id, "over tls".into()).await.unwrap();

    // Assert
    assert!(redis.url().starts_with("rediss://"));
    assert_eq!(next(&mut inbox).await.as_deref(), Some("over tls"));
    assert_eq!(b.ping().await, Ok(()));
}

#[tokio::test(flavor = "multi_thread")]
async fn over_tls_a_server_certificate_from_an_unknown_ca_is_refused() {
    // Arrange: the public roots only, which do not include the test CA.
    let Some(redis) = RedisServer::start_tls("over_tls_an_unknown_ca") else {
        return;
    };

    // Act
    let result = RedisSessionBus::connect(client(&redis.url(), None).unwrap(), &prefix()).await;

    // Assert
    assert!(matches!(result, Err(BusError::Unavailable(_))));
}
