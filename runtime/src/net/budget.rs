//! A byte budget shared by all of a server's connections: the memory its read buffers, the requests being
//! served and the replies waiting to be written may hold together.
//!
//! Reads wait for the budget; replies never do. A reply is owed to a request the server has already taken
//! in, and the bytes that would free room are often exactly the replies ahead of it (which are written in
//! order); so a reply is charged at once, beyond the budget if it must be, and the reads that follow wait
//! until the debt is paid.

use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::Semaphore;

/// The budget; cheap to clone, clones share it.
#[derive(Debug, Clone)]
pub(crate) struct MemoryBudget {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    /// Bytes not charged to anyone (the semaphore is fair: the longest waiter is served first).
    free: Semaphore,
    /// Bytes charged beyond the budget; given-back bytes pay this first.
    debt: Mutex<usize>,
    total: usize,
}

impl MemoryBudget {
    /// A budget of `total` bytes.
    pub(crate) fn new(total: usize) -> Self {
        let total = total.clamp(1, Semaphore::MAX_PERMITS);
        MemoryBudget {
            inner: Arc::new(Inner {
                free: Semaphore::new(total),
                debt: Mutex::new(0),
                total,
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

    /// The bytes charged right now (debt included).
    #[cfg(test)]
    pub(crate) fn in_use(&self) -> usize {
        let debt = *self
            .inner
            .debt
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        self.inner.total - self.inner.free.available_permits() + debt
    }
}

impl Inner {
    fn give_back(&self, bytes: usize) {
        let repaid = {
            let mut debt = self.debt.lock().unwrap_or_else(PoisonError::into_inner);
            let repaid = bytes.min(*debt);
            *debt -= repaid;
            repaid
        };
        if bytes > repaid {
            self.free.add_permits(bytes - repaid);
        }
    }

    /// Takes up to `bytes` of what is free now, and books the rest as debt.
    fn take_now(&self, bytes: usize) {
        let available = self
            .free
            .available_permits()
            .min(bytes)
            .min(u32::MAX as usize);
        let taken = match self.free.try_acquire_many(available as u32) {
            Ok(permit) if available > 0 => {
                permit.forget();
                available
            }
            _ => 0,
        };
        *self.debt.lock().unwrap_or_else(PoisonError::into_inner) += bytes - taken;
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

    /// Grows or shrinks the charge to `bytes`, waiting for the budget to grow. No charge waits for more than
    /// the whole budget: a single frame larger than it still gets through, alone.
    pub(crate) async fn resize(&mut self, bytes: usize) {
        if bytes <= self.bytes {
            self.budget.give_back(self.bytes - bytes);
            self.bytes = bytes;
            return;
        }
        let wanted = bytes - self.bytes;
        let waited_for = wanted.min(self.budget.total).min(u32::MAX as usize);
        match self.budget.free.acquire_many(waited_for as u32).await {
            Ok(permit) => permit.forget(),
            Err(_) => unreachable!("the budget's semaphore is never closed"),
        }
        if wanted > waited_for {
            self.budget.take_now(wanted - waited_for);
        }
        self.bytes = bytes;
    }

    /// Adds `bytes` without waiting, beyond the budget if need be (see the module documentation).
    pub(crate) fn force(&mut self, bytes: usize) {
        self.budget.take_now(bytes);
        self.bytes += bytes;
    }

    /// Moves `bytes` (at most all of this charge) into a charge of their own.
    pub(crate) fn split(&mut self, bytes: usize) -> Charge {
        let bytes = bytes.min(self.bytes);
        self.bytes -= bytes;
        Charge {
            budget: Arc::clone(&self.budget),
            bytes,
        }
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
    async fn reads_wait_for_the_budget_and_replies_go_into_debt() {
        let budget = MemoryBudget::new(100);
        let mut first = budget.charge();
        first.resize(80).await;
        let mut second = budget.charge();
        let waiting = tokio::time::timeout(Duration::from_millis(20), second.resize(30)).await;
        assert!(waiting.is_err(), "30 more bytes do not fit");
        let mut reply = budget.charge();
        reply.force(50);
        assert_eq!(budget.in_use(), 130);
        // Given-back bytes pay the debt before anyone waiting gets them.
        drop(first);
        assert_eq!(budget.in_use(), 50);
        let mut third = budget.charge();
        tokio::time::timeout(Duration::from_secs(1), third.resize(50))
            .await
            .expect("the rest is free");
        assert_eq!(budget.in_use(), 100);
        let moved = third.split(20);
        assert_eq!((third.bytes(), moved.bytes()), (30, 20));
        drop((reply, third, moved));
        assert_eq!(budget.in_use(), 0);
    }

    #[tokio::test]
    async fn a_charge_larger_than_the_budget_waits_only_for_all_of_it() {
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
