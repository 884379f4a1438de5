//! Work that splits into independent items (a portfolio's repositories, its evidence files), done
//! on every core with the results in the items' order, so that output never depends on which
//! thread finished first; and large values freed off the calling thread.

use crate::Progress;
use std::sync::atomic::{AtomicUsize, Ordering};

/// `work` applied to every item, on as many threads as there are cores (the calling thread among
/// them; only it when there is one core or one item), the results in the order of `items`.
/// Reports one step to `progress`, under `label`, for each item done.
pub(crate) fn map_in_order<T, R>(
    items: &[T],
    progress: &mut dyn Progress,
    label: &str,
    work: impl Fn(&T) -> R + Sync,
) -> Vec<R>
where
    T: Sync,
    R: Send,
{
    progress.begin(label, items.len());
    let workers = std::thread::available_parallelism()
        .map_or(1, std::num::NonZeroUsize::get)
        .min(items.len());
    // Each thread takes the next item nobody took, so a slow item holds up only its thread, and
    // keeps what it did with the item's index; the threads share nothing else (no channel, no
    // lock to wait on).
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let take = |results: &mut Vec<(usize, R)>| {
        let index = next.fetch_add(1, Ordering::Relaxed);
        let item = items.get(index)?;
        results.push((index, work(item)));
        Some(done.fetch_add(1, Ordering::Relaxed) + 1)
    };
    let mut slots: Vec<Option<R>> = std::iter::repeat_with(|| None).take(items.len()).collect();
    std::thread::scope(|scope| {
        let helpers: Vec<_> = (1..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut results = Vec::new();
                    while take(&mut results).is_some() {}
                    results
                })
            })
            .collect();
        // The calling thread works too, and reports the items done so far (the helpers' too).
        let mut results = Vec::new();
        let mut reported = 0;
        while let Some(now) = take(&mut results) {
            for _ in reported..now {
                progress.advance();
            }
            reported = now;
        }
        for helper in helpers {
            let theirs = helper.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            results.extend(theirs);
        }
        for _ in reported..items.len() {
            progress.advance();
        }
        for (index, result) in results {
            slots[index] = Some(result);
        }
    });
    progress.end();
    // Every slot is filled: every index below the length was taken by a thread that finished.
    slots.into_iter().flatten().collect()
}

/// Frees `value` on a thread of its own, so that the caller goes on at once (large evidence and
/// findings took a tenth of a second and more to free, issue 12). Where no thread can be
/// started, `value` is freed here: a failed spawn drops what it was given.
pub(crate) fn free_elsewhere<T: Send + 'static>(value: T) {
    let _spawned = std::thread::Builder::new().name("free".into()).spawn(move || drop(value));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::NoProgress;

    #[test]
    fn a_value_freed_elsewhere_is_freed_on_another_thread() {
        struct Tells(std::sync::mpsc::Sender<std::thread::ThreadId>);
        impl Drop for Tells {
            fn drop(&mut self) {
                let _told = self.0.send(std::thread::current().id());
            }
        }
        let (told, freed_on) = std::sync::mpsc::channel();
        free_elsewhere(Tells(told));
        let thread = freed_on.recv_timeout(std::time::Duration::from_secs(10)).expect("freed");
        assert_ne!(thread, std::thread::current().id());
    }

    #[test]
    fn results_come_in_the_items_order_whichever_thread_did_them() {
        let items: Vec<u64> = (0..1000).collect();
        // Uneven work, so threads finish items out of order.
        let square = |n: &u64| (0..(n % 7) * 1000).fold(n * n, |acc, _| std::hint::black_box(acc));
        let done = map_in_order(&items, &mut NoProgress, "squaring", square);
        assert_eq!(done, items.iter().map(|n| n * n).collect::<Vec<_>>());
        assert!(map_in_order(&[] as &[u64], &mut NoProgress, "nothing", square).is_empty());
    }

    #[test]
    fn every_item_is_reported_done_once() {
        struct Count(usize, usize, usize);
        impl Progress for Count {
            fn begin(&mut self, _: &str, total: usize) {
                self.0 = total;
            }
            fn advance(&mut self) {
                self.1 += 1;
            }
            fn end(&mut self) {
                self.2 += 1;
            }
        }
        let mut count = Count(0, 0, 0);
        let items: Vec<usize> = (0..257).collect();
        let _ = map_in_order(&items, &mut count, "counting", |n| n + 1);
        assert_eq!((count.0, count.1, count.2), (257, 257, 1));
    }
}
