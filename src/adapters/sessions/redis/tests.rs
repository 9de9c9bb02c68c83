//! Against a real Redis: a private `redis-server` per test (see `tests/support`).

use redis::aio::ConnectionManager;
use tokio::time::timeout;

use super::*;
use crate::redis_server::RedisServer;

/// Generous: only reached when something is broken.
const WAIT: Duration = Duration::from_secs(5);

/// A random prefix per test keeps tests apart on a shared `NEONPANEL_TEST_REDIS_URL`.
fn prefix() -> String {
    format!("neonpanel-mcp-test-{}", uuid::Uuid::new_v4().simple())
}

/// An instance in the steady state: a missing record is unknown at once (no settle window).
async fn instance(redis: &RedisServer, prefix: &str) -> Arc<RedisSessionBus> {
    RedisSessionBus::connect_with(client(&redis.url(), None).unwrap(), prefix, Duration::ZERO)
        .await
        .unwrap()
}

async fn raw(redis: &RedisServer) -> ConnectionManager {
    Client::open(redis.url())
        .unwrap()
        .get_connection_manager()
        .await
        .unwrap()
}

/// The test's Redis, or return early (reported as skipped) when there is none.
macro_rules! redis_or_skip {
    ($test:literal) => {
        match RedisServer::start($test) {
            Some(redis) => redis,
            None => return,
        }
    };
}

async fn next(inbox: &mut SessionInbox) -> Option<String> {
    timeout(WAIT, inbox.next())
        .await
        .expect("the inbox neither yielded nor ended")
}

#[tokio::test(flavor = "multi_thread")]
async fn messages_delivered_through_another_instance_arrive_in_order() {
    let redis = redis_or_skip!("messages_delivered_through_another_instance_arrive_in_order");
    // Arrange
    let prefix = prefix();
    let (a, b) = (
        instance(&redis, &prefix).await,
        instance(&redis, &prefix).await,
    );
    let (id, mut inbox) = a.open(Subject::new("alice")).await.unwrap();

    // Act
    for message in ["one", "two", "three"] {
        b.deliver(&id, message.into()).await.unwrap();
    }

    // Assert
    for expected in ["one", "two", "three"] {
        assert_eq!(next(&mut inbox).await.as_deref(), Some(expected));
    }
    // Only after the forwarded ones arrived: the two paths are not ordered between them.
    a.deliver(&id, "four".into()).await.unwrap();
    assert_eq!(next(&mut inbox).await.as_deref(), Some("four"));
}

#[tokio::test(flavor = "multi_thread")]
async fn info_through_another_instance_shows_the_owner_subject_and_protocol_set_there() {
    let redis = redis_or_skip!(
        "info_through_another_instance_shows_the_owner_subject_and_protocol_set_there"
    );
    // Arrange
    let prefix = prefix();
    let (a, b) = (
        instance(&redis, &prefix).await,
        instance(&redis, &prefix).await,
    );
    let (id, _inbox) = a.open(Subject::new("alice")).await.unwrap();
    assert_eq!(b.info(&id).await.unwrap().protocol, None);

    // Act
    b.set_protocol(&id, ProtocolVersion::V2025_03_26)
        .await
        .unwrap();

    // Assert
    for bus in [&a, &b] {
        let info = bus.info(&id).await.unwrap();
        assert_eq!(info.subject, Subject::new("alice"));
        assert_eq!(info.protocol, Some(ProtocolVersion::V2025_03_26));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_session_is_unknown_to_every_operation() {
    let redis = redis_or_skip!("an_unknown_session_is_unknown_to_every_operation");
    // Arrange
    let bus = instance(&redis, &prefix()).await;
    let id = SessionId::new("nope");

    // Act
    let delivered = bus.deliver(&id, "x".into()).await;
    let info = bus.info(&id).await;
    let protocol = bus.set_protocol(&id, ProtocolVersion::V2024_11_05).await;

    // Assert
    assert_eq!(delivered, Err(BusError::UnknownSession));
    assert_eq!(info, Err(BusError::UnknownSession));
    assert_eq!(protocol, Err(BusError::UnknownSession));
}

#[tokio::test(flavor = "multi_thread")]
async fn closing_on_the_owner_makes_the_session_unknown_to_other_instances() {
    let redis = redis_or_skip!("closing_on_the_owner_makes_the_session_unknown_to_other_instances");
    // Arrange
    let prefix = prefix();
    let (a, b) = (
        instance(&redis, &prefix).await,
        instance(&redis, &prefix).await,
    );
    let (id, _inbox) = a.open(Subject::new("alice")).await.unwrap();

    // Act
    a.close(&id).await;

    // Assert
    assert_eq!(
        b.deliver(&id, "x".into()).await,
        Err(BusError::UnknownSession)
    );
    assert_eq!(b.info(&id).await, Err(BusError::UnknownSession));
    assert_eq!(
        a.deliver(&id, "x".into()).await,
        Err(BusError::UnknownSession)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn close_on_another_instance_leaves_the_owner_session_open() {
    let redis = redis_or_skip!("close_on_another_instance_leaves_the_owner_session_open");
    // Arrange
    let prefix = prefix();
    let (a, b) = (
        instance(&redis, &prefix).await,
        instance(&redis, &prefix).await,
    );
    let (id, mut inbox) = a.open(Subject::new("alice")).await.unwrap();

    // Act
    b.close(&id).await;

    // Assert
    b.deliver(&id, "still here".into()).await.unwrap();
    assert_eq!(next(&mut inbox).await.as_deref(), Some("still here"));
}

#[tokio::test(flavor = "multi_thread")]
async fn close_all_ends_every_local_inbox_and_forgets_its_sessions() {
    let redis = redis_or_skip!("close_all_ends_every_local_inbox_and_forgets_its_sessions");
    // Arrange
    let prefix = prefix();
    let (a, b) = (
        instance(&redis, &prefix).await,
        instance(&redis, &prefix).await,
    );
    let (first, mut first_inbox) = a.open(Subject::new("alice")).await.unwrap();
    let (second, mut second_inbox) = a.open(Subject::new("bob")).await.unwrap();
    let (elsewhere, _elsewhere_inbox) = b.open(Subject::new("carol")).await.unwrap();

    // Act
    a.close_all().await;

    // Assert
    assert_eq!(next(&mut first_inbox).await, None);
    assert_eq!(next(&mut second_inbox).await, None);
    for id in [&first, &second] {
        assert_eq!(b.info(id).await, Err(BusError::UnknownSession));
    }
    assert!(b.info(&elsewhere).await.is_ok());
    assert!(matches!(
        a.open(Subject::new("dave")).await,
        Err(BusError::Unavailable(_))
    ));
}

#[tokio::test(flavor = "multi_thread")]
async fn session_records_expire_unless_renewed() {
    let redis = redis_or_skip!("session_records_expire_unless_renewed");
    // Arrange
    let prefix = prefix();
    let bus = instance(&redis, &prefix).await;
    let (id, _inbox) = bus.open(Subject::new("alice")).await.unwrap();
    let mut redis = raw(&redis).await;

    // Act
    let ttl: i64 = redis::cmd("TTL")
        .arg(bus.shared.key(&id))
        .query_async(&mut redis)
        .await
        .unwrap();

    // Assert
    assert!((1..=600).contains(&ttl), "ttl was {ttl}");
}

#[tokio::test(flavor = "multi_thread")]
async fn renewal_restores_records_that_redis_lost() {
    let redis = redis_or_skip!("renewal_restores_records_that_redis_lost");
    // Arrange
    let prefix = prefix();
    let (a, b) = (
        instance(&redis, &prefix).await,
        instance(&redis, &prefix).await,
    );
    let (id, mut inbox) = a.open(Subject::new("alice")).await.unwrap();
    a.set_protocol(&id, ProtocolVersion::V2025_03_26)
        .await
        .unwrap();
    let mut redis = raw(&redis).await;
    let _: i64 = redis::cmd("DEL")
        .arg(a.shared.key(&id))
        .query_async(&mut redis)
        .await
        .unwrap();
    assert_eq!(b.info(&id).await, Err(BusError::UnknownSession));

    // Act
    a.shared.renew(None).await.unwrap();

    // Assert
    let info = b.info(&id).await.unwrap();
    assert_eq!(info.subject, Subject::new("alice"));
    assert_eq!(info.protocol, Some(ProtocolVersion::V2025_03_26));
    b.deliver(&id, "back".into()).await.unwrap();
    assert_eq!(next(&mut inbox).await.as_deref(), Some("back"));
}

#[tokio::test(flavor = "multi_thread")]
async fn dropping_the_bus_ends_its_subscription() {
    let redis = redis_or_skip!("dropping_the_bus_ends_its_subscription");
    // Arrange
    let prefix = prefix();
    let bus = instance(&redis, &prefix).await;
    let channel = bus.shared.channel(&bus.shared.instance);
    let redis = raw(&redis).await;
    let subscribers = |mut redis: ConnectionManager, channel: String| async move {
        let (_, count): (String, i64) = redis::cmd("PUBSUB")
            .arg("NUMSUB")
            .arg(&channel)
            .query_async(&mut redis)
            .await
            .unwrap();
        count
    };
    assert_eq!(subscribers(redis.clone(), channel.clone()).await, 1);

    // Act
    drop(bus);

    // Assert: the unsubscription is asynchronous, so poll for it within a bound.
    timeout(WAIT, async {
        while subscribers(redis.clone(), channel.clone()).await != 0 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("the subscriber outlived the bus");
}

#[tokio::test(flavor = "multi_thread")]
async fn ping_answers_while_redis_is_up() {
    let redis = redis_or_skip!("ping_answers_while_redis_is_up");
    let bus = instance(&redis, &prefix()).await;
    assert_eq!(bus.ping().await, Ok(()));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreachable_redis_is_unavailable_without_revealing_the_url() {
    // Act: port 1 refuses connections.
    let client = client("redis://:hunter2@127.0.0.1:1", None).unwrap();
    let result = RedisSessionBus::connect(client, &prefix()).await;

    // Assert
    let Err(BusError::Unavailable(reason)) = result else {
        panic!("connecting to a closed port must fail as unavailable");
    };
    assert!(
        !reason.contains("hunter2") && !reason.contains("127.0.0.1"),
        "{reason}"
    );
}

// After the helpers and macros above, which it uses.
mod recovery;
