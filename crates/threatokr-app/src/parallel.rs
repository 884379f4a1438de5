//! Work that splits into independent items (a portfolio's repositories, its evidence files), done
//! on every core with the results in the items' order, so that output never depends on which
//! thread finished first.

use crate::Progress;
use std::sync::atomic::{AtomicUsize, Ordering};

/// `work` applied to every item, on as many threads as there are cores (one when there is one
/// core or one item), the results in the order of `items`. Reports one step to `progress`, under
/// `label`, as each item is done.
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
    if workers < 2 {
        let done = items
            .iter()
            .map(|item| {
                let result = work(item);
                progress.advance();
                result
            })
            .collect();
        progress.end();
        return done;
    }
    // Each worker takes the next item not taken yet, so a slow item holds up only its thread.
    let next = AtomicUsize::new(0);
    let mut slots: Vec<Option<R>> = std::iter::repeat_with(|| None).take(items.len()).collect();
    std::thread::scope(|scope| {
        let (send, receive) = std::sync::mpsc::channel();
        for _ in 0..workers {
            let (send, next, work) = (send.clone(), &next, &work);
            scope.spawn(move || {
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(index) else { break };
                    if send.send((index, work(item))).is_err() {
                        break;
                    }
                }
            });
        }
        drop(send);
        for (index, result) in receive {
            slots[index] = Some(result);
            progress.advance();
        }
    });
    progress.end();
    // Every slot is filled: a worker that panicked made the scope panic above.
    slots.into_iter().flatten().collect()
}
