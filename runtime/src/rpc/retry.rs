//! [`RetryPolicy`]: when a client call may be sent again, as a `tower::retry::Policy`.

use std::any::Any;
use std::collections::BTreeSet;
use std::hash::BuildHasher;
use std::sync::Arc;
use std::time::Duration;

use tokio::time::{Instant, Sleep};

use super::call::{BoxError, CallRequest, CallResponse};
use super::error::TransportError;

/// When a client call may be sent again: a `tower::retry::Policy` for `tower::ServiceBuilder::retry`.
///
/// A call is resent only when doing so cannot make the server run it twice against the caller's wishes:
///
/// - A **oneway** call is never retried: nothing comes back to say whether it arrived.
/// - A call that **certainly never reached a server** ([`TransportError::is_unsent`]: no connection could be
///   opened or secured) is retried whatever the method, since no server can have run it.
/// - A call whose **connection was lost** with the call on it ([`TransportError::is_connection_lost`]: the
///   connection closed or failed before the reply arrived) is retried only for the methods declared
///   [idempotent](RetryPolicy::idempotent): the server may or may not have run it.
/// - Nothing else is retried: a timeout, a malformed frame, an error of another layer, and any reply at all,
///   even an exception.
/// - At most [`max_retries`](RetryPolicy::new) retries follow the first attempt, each after an exponential
///   backoff with jitter ([`backoff`](RetryPolicy::backoff)), and none once the backoff would reach the call's
///   [`deadline`](CallRequest::deadline): the policy never sleeps past it.
///
/// The resent request is the same message, sequence id included: a retry only follows a connection that died
/// or never opened, and the channel opens a new one for it, so the old sequence id cannot be mistaken for
/// another call's.
///
/// The policy works right above a [`TcpChannel`](crate::TcpChannel) (whose error is [`TransportError`]) and
/// above other layers (whose error is a [`BoxError`] holding the channel's `TransportError`). Put it outside a
/// per-attempt `timeout` layer to bound each attempt, and bound the whole call with the caller's deadline
/// ([`context::with_deadline`](crate::rpc::context::with_deadline)).
///
/// ```no_run
/// # async fn run() -> Result<(), idlc_runtime::TransportError> {
/// use idlc_runtime::TcpChannel;
/// use idlc_runtime::rpc::{RetryPolicy, ServiceChannel};
///
/// let channel = TcpChannel::connect("127.0.0.1:9090").await?;
/// let layered = tower::ServiceBuilder::new()
///     .retry(RetryPolicy::new(3).idempotent(["getStruct"]))
///     .service(channel.clone());
/// let channel = ServiceChannel::like(&channel, layered);
/// // Generated clients take it like any channel: `CalculatorClient::new(channel)`.
/// # Ok(()) }
/// ```
///
/// `tower`'s retry layer clones the policy for every call, so each call counts its own retries.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    max_retries: usize,
    idempotent: Arc<BTreeSet<String>>,
    initial_backoff: Duration,
    max_backoff: Duration,
    /// Retries made so far for the call this copy serves.
    retries: usize,
}

impl Default for RetryPolicy {
    /// Three retries, backing off from 10 ms up to 1 s, no method idempotent.
    fn default() -> Self {
        RetryPolicy::new(3)
    }
}

impl RetryPolicy {
    /// At most `max_retries` retries after the first attempt, backing off from 10 ms up to 1 s, and no method
    /// declared idempotent (so only calls that never reached a server are retried).
    pub fn new(max_retries: usize) -> Self {
        RetryPolicy {
            max_retries,
            idempotent: Arc::default(),
            initial_backoff: Duration::from_millis(10),
            max_backoff: Duration::from_secs(1),
            retries: 0,
        }
    }

    /// Declares `methods` idempotent: running one twice does no harm, so a call to one is also retried when
    /// its connection was lost. Names are as the IDL spells them (`getStruct`, not the client's `get_struct`),
    /// without any service prefix.
    pub fn idempotent<I>(mut self, methods: I) -> Self
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        Arc::make_mut(&mut self.idempotent)
            .extend(methods.into_iter().map(|method| method.as_ref().to_owned()));
        self
    }

    /// Waits `initial` before the first retry, doubling the wait for each further one up to `max`; each wait
    /// is then drawn at random between half of it and all of it, so that clients cut off together do not
    /// come back together.
    pub fn backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.initial_backoff = initial;
        self.max_backoff = max;
        self
    }

    /// Whether `method` was declared idempotent.
    pub fn is_idempotent(&self, method: &str) -> bool {
        self.idempotent.contains(method)
    }

    /// How long to wait before retrying `request`, which failed with `error` (`None` if the error is not a
    /// transport error the channel reported), or `None` if it must not be retried. Counts the retry.
    fn next_delay(
        &mut self,
        request: &CallRequest,
        error: Option<&TransportError>,
        now: Instant,
    ) -> Option<Duration> {
        if request.is_oneway() || self.retries >= self.max_retries {
            return None;
        }
        let error = error?;
        let safe =
            error.is_unsent() || (error.is_connection_lost() && self.is_idempotent(request.method));
        if !safe {
            return None;
        }
        let delay = self.delay(request.seqid);
        if let Some(deadline) = request.deadline {
            // No time would be left for the retry itself.
            if now.checked_add(delay).is_none_or(|ready| ready >= deadline) {
                return None;
            }
        }
        self.retries += 1;
        Some(delay)
    }

    /// The wait before the next retry: the exponential backoff, with jitter.
    fn delay(&self, seqid: i32) -> Duration {
        let doublings = u32::try_from(self.retries).unwrap_or(u32::MAX).min(31);
        let full = self
            .initial_backoff
            .saturating_mul(1 << doublings)
            .min(self.max_backoff);
        let half = full / 2;
        let spread = u64::try_from((full - half).as_nanos()).unwrap_or(u64::MAX);
        // `RandomState` is seeded at random: different waits for different calls, processes and retries.
        let random = std::collections::hash_map::RandomState::new().hash_one((seqid, self.retries));
        half + Duration::from_nanos(random % spread.saturating_add(1))
    }
}

/// The channel's error within `error`: a [`TransportError`] itself, or one boxed by a layer.
fn transport_error_of<E: 'static>(error: &E) -> Option<&TransportError> {
    let error: &dyn Any = error;
    if let Some(error) = error.downcast_ref::<TransportError>() {
        return Some(error);
    }
    error
        .downcast_ref::<BoxError>()
        .and_then(|error| error.downcast_ref::<TransportError>())
}

/// The rules of [`RetryPolicy`], for the channel's own error ([`TransportError`]) and a
/// layer's ([`BoxError`]).
impl<E: 'static> tower::retry::Policy<CallRequest, CallResponse, E> for RetryPolicy {
    type Future = Sleep;

    fn retry(
        &mut self,
        request: &mut CallRequest,
        result: &mut Result<CallResponse, E>,
    ) -> Option<Sleep> {
        let error = result.as_ref().err()?;
        let delay = self.next_delay(request, transport_error_of(error), Instant::now())?;
        Some(tokio::time::sleep(delay))
    }

    fn clone_request(&mut self, request: &CallRequest) -> Option<CallRequest> {
        // A oneway call is never retried, so it is not kept either.
        (!request.is_oneway() && self.max_retries > 0).then(|| request.clone())
    }
}

#[cfg(test)]
mod tests {
    use std::io;

    use bytes::Bytes;
    use tower::retry::Policy;

    use super::*;
    use crate::protocol::{MessageType, Protocol};
    use crate::transport::{FrameError, Headers};

    fn request(method: &'static str, kind: MessageType, deadline: Option<Instant>) -> CallRequest {
        CallRequest {
            method,
            kind,
            seqid: 7,
            protocol: Protocol::Binary,
            headers: Headers::new(),
            deadline,
            body: Bytes::from_static(b"message"),
        }
    }

    fn call(method: &'static str) -> CallRequest {
        request(method, MessageType::Call, None)
    }

    fn unsent() -> TransportError {
        TransportError::Connect {
            addr: "127.0.0.1:1".into(),
            source: io::ErrorKind::ConnectionRefused.into(),
        }
    }

    fn lost() -> TransportError {
        TransportError::Io(io::ErrorKind::ConnectionReset.into())
    }

    fn policy() -> RetryPolicy {
        RetryPolicy::new(3)
            .idempotent(["get"])
            .backoff(Duration::from_millis(10), Duration::from_millis(25))
    }

    /// Whether `policy` retries `request` after `error`.
    fn retries(policy: &mut RetryPolicy, request: &CallRequest, error: TransportError) -> bool {
        policy
            .next_delay(request, Some(&error), Instant::now())
            .is_some()
    }

    #[test]
    fn a_oneway_call_is_never_retried_nor_kept() {
        let oneway = request("get", MessageType::Oneway, None);
        let mut policy = policy();
        assert!(!retries(&mut policy, &oneway, unsent()));
        assert!(!retries(&mut policy, &oneway, lost()));
        assert!(
            Policy::<_, CallResponse, TransportError>::clone_request(&mut policy, &oneway)
                .is_none()
        );
        assert!(
            Policy::<_, CallResponse, TransportError>::clone_request(&mut policy, &call("get"))
                .is_some()
        );
    }

    #[test]
    fn a_call_that_never_reached_a_server_is_retried_whatever_the_method() {
        assert!(retries(&mut policy(), &call("get"), unsent()));
        assert!(retries(&mut policy(), &call("put"), unsent()));
        let tls = TransportError::Tls {
            addr: "127.0.0.1:1".into(),
            source: io::ErrorKind::InvalidData.into(),
        };
        assert!(retries(&mut policy(), &call("put"), tls));
    }

    #[test]
    fn a_lost_connection_is_retried_only_for_idempotent_methods() {
        assert!(retries(&mut policy(), &call("get"), lost()));
        assert!(retries(&mut policy(), &call("get"), TransportError::Closed));
        assert!(!retries(&mut policy(), &call("put"), lost()));
        assert!(!retries(
            &mut policy(),
            &call("put"),
            TransportError::Closed
        ));
        assert!(!retries(&mut RetryPolicy::new(3), &call("get"), lost()));
    }

    #[test]
    fn timeouts_frame_errors_layer_errors_and_replies_are_never_retried() {
        let mut policy = policy();
        assert!(!retries(&mut policy, &call("get"), TransportError::Timeout));
        let frame = TransportError::Frame(FrameError::TooLarge { len: 9, max: 1 });
        assert!(!retries(&mut policy, &call("get"), frame));
        let layer = TransportError::Layer("rate limited".into());
        assert!(!retries(&mut policy, &call("get"), layer));
        // A layer's own error, not the channel's.
        let mut boxed: Result<CallResponse, BoxError> = Err("overloaded".into());
        assert!(policy.retry(&mut call("get"), &mut boxed).is_none());
        let mut reply: Result<CallResponse, TransportError> = Ok(CallResponse::default());
        assert!(policy.retry(&mut call("get"), &mut reply).is_none());
        assert_eq!(policy.retries, 0);
    }

    #[tokio::test]
    async fn the_channel_error_is_found_directly_or_boxed_by_a_layer() {
        let mut direct: Result<CallResponse, TransportError> = Err(lost());
        assert!(policy().retry(&mut call("get"), &mut direct).is_some());
        let mut boxed: Result<CallResponse, BoxError> = Err(Box::new(lost()));
        assert!(policy().retry(&mut call("get"), &mut boxed).is_some());
        let mut boxed: Result<CallResponse, BoxError> = Err(Box::new(lost()));
        assert!(policy().retry(&mut call("put"), &mut boxed).is_none());
    }

    #[test]
    fn retries_stop_when_the_attempts_are_exhausted() {
        let mut policy = policy();
        let get = call("get");
        for _ in 0..3 {
            assert!(retries(&mut policy, &get, unsent()));
        }
        assert!(!retries(&mut policy, &get, unsent()));
        assert!(!retries(&mut RetryPolicy::new(0), &get, unsent()));
        assert!(
            Policy::<_, CallResponse, TransportError>::clone_request(
                &mut RetryPolicy::new(0),
                &get
            )
            .is_none()
        );
    }

    #[test]
    fn no_retry_sleeps_past_the_deadline() {
        let now = Instant::now();
        let passed = request("get", MessageType::Call, Some(now));
        assert!(!retries(&mut policy(), &passed, unsent()));
        // The first wait is at least 5 ms (half of 10 ms): it would end past a deadline 2 ms away.
        let close = request(
            "get",
            MessageType::Call,
            now.checked_add(Duration::from_millis(2)),
        );
        assert!(policy().next_delay(&close, Some(&unsent()), now).is_none());
        let far = request(
            "get",
            MessageType::Call,
            now.checked_add(Duration::from_secs(5)),
        );
        assert!(policy().next_delay(&far, Some(&unsent()), now).is_some());
    }

    #[test]
    fn the_backoff_doubles_up_to_the_maximum_with_jitter() {
        let mut policy = policy();
        let get = call("get");
        let waits: Vec<Duration> = (0..3)
            .map(|_| {
                policy
                    .next_delay(&get, Some(&unsent()), Instant::now())
                    .unwrap()
            })
            .collect();
        let ms = Duration::from_millis;
        assert!(waits[0] >= ms(5) && waits[0] <= ms(10), "{waits:?}");
        assert!(waits[1] >= ms(10) && waits[1] <= ms(20), "{waits:?}");
        assert!(waits[2] >= ms(12) && waits[2] <= ms(25), "{waits:?}");
        let zero = RetryPolicy::new(1).backoff(Duration::ZERO, Duration::ZERO);
        assert_eq!(zero.delay(1), Duration::ZERO);
    }
}
