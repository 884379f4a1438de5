//! One shared copy (`Arc<str>`) of each text that many values name: a rule id of thousands of
//! findings, an app of thousands of finding records.

use std::sync::Arc;

use foldhash::{HashSet, HashSetExt};

/// The texts handed out so far, each once. foldhash rather than SipHash: short texts looked up
/// once a value, from the workspace's own files and store, where resistance to chosen keys buys
/// nothing.
#[derive(Debug, Default)]
pub struct SharedTexts {
    texts: HashSet<Arc<str>>,
}

impl SharedTexts {
    /// No text yet.
    pub fn new() -> Self {
        Self { texts: HashSet::new() }
    }

    /// The shared copy of `text`, made the first time it is asked for.
    pub fn get(&mut self, text: &str) -> Arc<str> {
        if let Some(known) = self.texts.get(text) {
            return Arc::clone(known);
        }
        let shared: Arc<str> = Arc::from(text);
        self.texts.insert(Arc::clone(&shared));
        shared
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_asked_for_again_is_the_same_copy() {
        let mut texts = SharedTexts::new();
        let first = texts.get("js/sql-injection");
        let again = texts.get(&String::from("js/sql-injection"));
        let other = texts.get("js/xss");
        assert!(Arc::ptr_eq(&first, &again));
        assert_eq!((&*first, &*other), ("js/sql-injection", "js/xss"));
        assert!(!Arc::ptr_eq(&first, &other));
    }
}
