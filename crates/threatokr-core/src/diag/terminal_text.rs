//! Text bound for a terminal: control characters from input made visible, so a threat title
//! cannot clear the screen, retitle the window or hide a line (`\x1b]0;pwned\x07`, `\x1b[2J`).

use std::borrow::Cow;

/// `text` with every control character other than newline and tab replaced by a visible
/// stand-in of one character: C0 controls by their Unicode control pictures (`\x1b` → `␛`),
/// DEL by `␡`, C1 controls (`\u{9b}` starts a sequence on some terminals) by `�`.
/// One character for one, so columns under a snippet stay where they were.
pub fn sanitize_for_terminal(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(text.chars().map(visible).collect())
}

fn is_unsafe(c: char) -> bool {
    c.is_control() && c != '\n' && c != '\t'
}

/// The visible stand-in of `c` (itself when it is safe).
pub(crate) fn visible(c: char) -> char {
    match c {
        '\n' | '\t' => c,
        '\0'..='\u{1f}' => char::from_u32(0x2400 + c as u32).unwrap_or('\u{FFFD}'),
        '\u{7f}' => '\u{2421}',
        c if c.is_control() => '\u{FFFD}',
        c => c,
    }
}

/// Text for a terminal whose parts that came from input went through [`sanitize_for_terminal`]
/// (or an equivalent), so it may carry our own colour codes and is printed as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TerminalText(String);

impl TerminalText {
    /// Wraps text that a renderer built from sanitized parts and its own escape codes.
    pub fn already_sanitized(text: String) -> Self {
        Self(text)
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::ops::Deref for TerminalText {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for TerminalText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::sanitize_for_terminal;

    #[test]
    fn escape_sequences_become_visible_and_newlines_and_tabs_stay() {
        let hostile = "a\u{1b}]0;pwned\u{7}b\u{1b}[2J\r\u{7f}\u{9b}31m\n\tc";
        let clean = sanitize_for_terminal(hostile);
        assert_eq!(clean, "a␛]0;pwned␇b␛[2J␍␡\u{FFFD}31m\n\tc");
        assert_eq!(clean.chars().count(), hostile.chars().count());
        assert!(matches!(sanitize_for_terminal("plain é\n"), std::borrow::Cow::Borrowed(_)));
    }
}
