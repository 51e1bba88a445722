//! A byte budget shared by all of a server's connections: the memory their read buffers, the requests being
//! served and the replies waiting to be written may hold together.
//!
//! Reads wait for the budget; requests and replies never do. A reply is owed to a request the server has
//! already taken in, and the bytes that would free room are often exactly the replies ahead of it (written
//! in order), so requests and replies are charged at once, beyond the budget if they must be, and the reads
//! that follow wait until enough is given back.
//!
//! Charging and giving back are one atomic operation each, so the budget costs a served call next to nothing
//! until it runs out; only then do reads register to be woken.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::sync::Notify;

/// The budget; cheap to clone, clones share it.
#[derive(Debug, Clone)]
pub(crate) struct MemoryBudget {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    limit: usize,
    /// Bytes charged, possibly beyond `limit`.
    used: AtomicUsize,
    /// Reads waiting for bytes to be given back.
    waiting: AtomicUsize,
    given_back: Notify,
}

impl MemoryBudget {
    /// A budget of `limit` bytes.
    pub(crate) fn new(limit: usize) -> Self {
        MemoryBudget {
            inner: Arc::new(Inner {
                limit: limit.max(1),
                used: AtomicUsize::new(0),
                waiting: AtomicUsize::new(0),
                given_back: Notify::new(),
            }),
        }
    }

    /// An empty charge against this budget.
    pub(crate) fn charge(&self) -> Charge {
        Charge {
            budget: Arc::clone(&self.inner),
            bytes: 0,
        }
    }

    /// The bytes charged right now.
    #[cfg(test)]
    pub(crate) fn in_use(&self) -> usize {
        self.inner.used.load(Ordering::SeqCst)
    }
}

impl Inner {
    fn give_back(&self, bytes: usize) {
        self.used.fetch_sub(bytes, Ordering::SeqCst);
        if self.waiting.load(Ordering::SeqCst) > 0 {
            self.given_back.notify_waiters();
        }
    }

    /// Takes `more` bytes for a charge already holding `held`, if they fit: within the limit, or, for a
    /// charge larger than the whole budget, when nothing else is charged.
    fn try_take(&self, held: usize, more: usize) -> bool {
        let mut used = self.used.load(Ordering::SeqCst);
        loop {
            let fits = used.saturating_add(more) <= self.limit || used == held;
            if !fits {
                return false;
            }
            match self.used.compare_exchange_weak(
                used,
                used + more,
                Ordering::SeqCst,
                Ordering::SeqCst,
            ) {
                Ok(_) => return true,
                Err(now) => used = now,
            }
        }
    }
}

/// Bytes held against a [`MemoryBudget`], given back when dropped.
#[derive(Debug)]
pub(crate) struct Charge {
    budget: Arc<Inner>,
    bytes: usize,
}

impl Charge {
    /// The bytes this charge holds.
    pub(crate) fn bytes(&self) -> usize {
        self.bytes
    }

    /// Sets the charge to `bytes` at once, growing beyond the budget if need be: for memory already
    /// allocated.
    pub(crate) fn set_now(&mut self, bytes: usize) {
        if bytes < self.bytes {
            self.budget.give_back(self.bytes - bytes);
            self.bytes = bytes;
        } else {
            self.force(bytes - self.bytes);
        }
    }

    /// Grows or shrinks the charge to `bytes`, waiting while the budget cannot hold the growth.
    pub(crate) async fn resize(&mut self, bytes: usize) {
        if bytes <= self.bytes {
            self.budget.give_back(self.bytes - bytes);
            self.bytes = bytes;
            return;
        }
        let more = bytes - self.bytes;
        while !self.budget.try_take(self.bytes, more) {
            let given_back = self.budget.given_back.notified();
            tokio::pin!(given_back);
            given_back.as_mut().enable();
            self.budget.waiting.fetch_add(1, Ordering::SeqCst);
            // Checked again once registered, so bytes given back in between are not missed.
            let taken = self.budget.try_take(self.bytes, more);
            if !taken {
                given_back.await;
            }
            self.budget.waiting.fetch_sub(1, Ordering::SeqCst);
            if taken {
                break;
            }
        }
        self.bytes = bytes;
    }

    /// Adds `bytes` without waiting, beyond the budget if need be (see the module documentation).
    pub(crate) fn force(&mut self, bytes: usize) {
        self.budget.used.fetch_add(bytes, Ordering::SeqCst);
        self.bytes += bytes;
    }
}

impl Drop for Charge {
    fn drop(&mut self) {
        if self.bytes > 0 {
            self.budget.give_back(self.bytes);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn reads_wait_for_the_budget_and_replies_go_beyond_it() {
        let budget = MemoryBudget::new(100);
        let mut first = budget.charge();
        first.resize(80).await;
        let mut second = budget.charge();
        let waiting = tokio::time::timeout(Duration::from_millis(20), second.resize(30)).await;
        assert!(waiting.is_err(), "30 more bytes do not fit");
        let mut reply = budget.charge();
        reply.force(50);
        assert_eq!(budget.in_use(), 130);
        drop(first);
        assert_eq!(budget.in_use(), 50);
        let mut third = budget.charge();
        tokio::time::timeout(Duration::from_secs(1), third.resize(50))
            .await
            .expect("the rest is free");
        assert_eq!(budget.in_use(), 100);
        drop((reply, third));
        assert_eq!(budget.in_use(), 0);
    }

    #[tokio::test]
    async fn a_waiting_read_is_woken_when_bytes_come_back() {
        let budget = MemoryBudget::new(100);
        let mut holder = budget.charge();
        holder.resize(100).await;
        let waiter = tokio::spawn({
            let budget = budget.clone();
            async move {
                let mut charge = budget.charge();
                charge.resize(60).await;
                charge
            }
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!waiter.is_finished());
        holder.resize(30).await;
        let charge = tokio::time::timeout(Duration::from_secs(1), waiter)
            .await
            .expect("woken")
            .unwrap();
        assert_eq!((charge.bytes, budget.in_use()), (60, 90));
    }

    #[tokio::test]
    async fn a_charge_larger_than_the_budget_waits_only_until_it_is_alone() {
        let budget = MemoryBudget::new(100);
        let mut big = budget.charge();
        tokio::time::timeout(Duration::from_secs(1), big.resize(250))
            .await
            .expect("does not wait for bytes that can never be free");
        assert_eq!(budget.in_use(), 250);
        big.resize(10).await;
        assert_eq!(budget.in_use(), 10);
    }
}
