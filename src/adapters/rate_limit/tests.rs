//! GCRA against a real Redis (a private `redis-server`, see `tests/support`).

use super::*;
use crate::redis_server::RedisServer;

async fn limiter(redis: &RedisServer) -> RedisRateLimit {
    let manager = redis::Client::open(redis.url())
        .unwrap()
        .get_connection_manager()
        .await
        .unwrap();
    let prefix = format!("neonpanel-mcp-test-{}", uuid::Uuid::new_v4().simple());
    RedisRateLimit::new(manager, &prefix)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_quota_passes_then_the_next_request_waits_for_one_interval() {
    // Arrange
    let Some(redis) = RedisServer::start("the_quota_passes_then_the_next_request_waits") else {
        return;
    };
    let limit = limiter(&redis).await;

    // Act
    let mut answers = Vec::new();
    for _ in 0..4 {
        answers.push(limit.hit("sub:alice", 3).await.unwrap());
    }

    // Assert: 3 per minute is one every 20 s once the burst is spent.
    assert_eq!(answers[..3], [None, None, None]);
    let wait = answers[3].expect("the fourth request is refused");
    assert!((19..=20).contains(&wait), "wait {wait}");
    assert_eq!(
        limit.hit("sub:bob", 3).await.unwrap(),
        None,
        "keys are independent"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn limiters_on_one_redis_share_one_quota() {
    // Arrange: two instances' limiters.
    let Some(redis) = RedisServer::start("limiters_on_one_redis_share_one_quota") else {
        return;
    };
    let first = limiter(&redis).await;
    let second = RedisRateLimit::new(first.redis.clone(), &first.prefix);

    // Act
    let a = first.hit("sub:alice", 2).await.unwrap();
    let b = second.hit("sub:alice", 2).await.unwrap();
    let c = first.hit("sub:alice", 2).await.unwrap();

    // Assert
    assert_eq!((a, b), (None, None));
    assert!(c.is_some());
}

#[tokio::test(flavor = "multi_thread")]
async fn redis_keys_hold_a_hash_of_the_subject_and_expire() {
    // Arrange
    let Some(redis) = RedisServer::start("redis_keys_hold_a_hash_of_the_subject") else {
        return;
    };
    let limit = limiter(&redis).await;

    // Act
    limit.hit("sub:alice@example.com", 60).await.unwrap();

    // Assert
    let mut raw = limit.redis.clone();
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{}:*", limit.prefix))
        .query_async(&mut raw)
        .await
        .unwrap();
    assert_eq!(keys.len(), 1, "{keys:?}");
    assert!(!keys[0].contains("alice"), "{keys:?}");
    let ttl: i64 = redis::cmd("PTTL")
        .arg(&keys[0])
        .query_async(&mut raw)
        .await
        .unwrap();
    assert!((1..=60_000).contains(&ttl), "ttl {ttl}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreachable_redis_is_unavailable_quickly() {
    // Arrange: a server that then goes away.
    let Some(mut redis) = RedisServer::start_owned("an_unreachable_redis_is_unavailable") else {
        return;
    };
    let limit = limiter(&redis).await;
    redis.stop();

    // Act
    let started = std::time::Instant::now();
    let result = limit.hit("sub:alice", 3).await;

    // Assert
    assert!(matches!(result, Err(RateLimitError::Unavailable(_))));
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_limit_above_one_request_per_microsecond_still_counts_in_redis() {
    // Arrange: 60 million per minute rounds the GCRA interval down to 0 µs, which once made
    // the script ask Redis for a 0 ms expiry (an error, so every call fell back to local).
    let Some(redis) = RedisServer::start("a_limit_above_one_request_per_microsecond") else {
        return;
    };
    let limit = limiter(&redis).await;

    // Act
    let mut answers = Vec::new();
    for _ in 0..3 {
        answers.push(limit.hit("sub:alice", 1_000_000_000).await);
    }

    // Assert
    assert!(answers.iter().all(|a| matches!(a, Ok(None))), "{answers:?}");
}
