//! Progress of long jobs, reported to whoever draws it (the CLI draws a line on stderr; the
//! server draws nothing): the application layer never prints.

/// Told about the steps of a job as the application layer works through them.
pub trait Progress {
    /// A job of `total` steps, described by `label`, begins.
    fn begin(&mut self, label: &str, total: usize);
    /// One more step is done.
    fn advance(&mut self);
    /// The job is over (finished or left early).
    fn end(&mut self);
}

/// Progress nobody watches.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn begin(&mut self, _label: &str, _total: usize) {}
    fn advance(&mut self) {}
    fn end(&mut self) {}
}

/// A borrowed watcher watches as well: `tracked(&mut *progress, ...)` in a loop, owned ones in
/// one-off iterators.
impl<P: Progress + ?Sized> Progress for &mut P {
    fn begin(&mut self, label: &str, total: usize) {
        (**self).begin(label, total);
    }
    fn advance(&mut self) {
        (**self).advance();
    }
    fn end(&mut self) {
        (**self).end();
    }
}

/// The items of `items`, reporting to `progress` as the caller works through them: an item counts
/// as done when the next one is asked for, and the job ends when the loop ends or is left early.
pub fn tracked<P, I>(mut progress: P, label: &str, items: I) -> Tracked<P, I::IntoIter>
where
    P: Progress,
    I: IntoIterator,
    I::IntoIter: ExactSizeIterator,
{
    let items = items.into_iter();
    progress.begin(label, items.len());
    Tracked { progress: Some(progress), items, started: false }
}

/// The iterator of [`tracked`].
pub struct Tracked<P: Progress, I> {
    /// `None` once the job has ended.
    progress: Option<P>,
    items: I,
    started: bool,
}

impl<P: Progress, I: Iterator> Iterator for Tracked<P, I> {
    type Item = I::Item;

    fn next(&mut self) -> Option<I::Item> {
        if self.started
            && let Some(progress) = &mut self.progress
        {
            progress.advance();
        }
        self.started = true;
        let item = self.items.next();
        if item.is_none()
            && let Some(mut progress) = self.progress.take()
        {
            progress.end();
        }
        item
    }
}

impl<P: Progress, I> Drop for Tracked<P, I> {
    fn drop(&mut self) {
        if let Some(mut progress) = self.progress.take() {
            progress.end();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Progress, tracked};

    #[derive(Default)]
    struct Log(Vec<String>);

    impl Progress for Log {
        fn begin(&mut self, label: &str, total: usize) {
            self.0.push(format!("begin {label} {total}"));
        }
        fn advance(&mut self) {
            self.0.push("advance".into());
        }
        fn end(&mut self) {
            self.0.push("end".into());
        }
    }

    #[test]
    fn tracking_reports_each_finished_item_and_ends_once() {
        let mut log = Log::default();
        let items: Vec<u32> = tracked(&mut log, "counting", vec![3, 1, 2]).collect();
        assert_eq!(items, [3, 1, 2]);
        assert_eq!(log.0, ["begin counting 3", "advance", "advance", "advance", "end"]);
        let mut log = Log::default();
        let first = tracked(&mut log, "early", vec![1, 2]).next();
        assert_eq!(first, Some(1));
        assert_eq!(log.0, ["begin early 2", "end"]);
    }
}
