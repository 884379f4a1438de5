//! Identifier newtypes. Ids are short, stable text: non-empty, no surrounding whitespace, no
//! control characters. Foreign formats bring their own ids (UUIDs, Threagile's synthetic ids),
//! so the rule is deliberately loose; native files are linted for readable ids separately.

use std::fmt;
use std::str::FromStr;

/// Why a text is not a valid id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdError {
    /// Nothing there.
    Empty,
    /// Leading or trailing whitespace, or a control character.
    BadCharacter,
    /// Longer than 200 bytes.
    TooLong,
}

impl fmt::Display for IdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Empty => "an id cannot be empty",
            Self::BadCharacter => {
                "an id cannot start or end with whitespace or contain control characters"
            }
            Self::TooLong => "an id is at most 200 bytes long",
        })
    }
}

impl std::error::Error for IdError {}

fn check_id(s: &str) -> Result<(), IdError> {
    if s.is_empty() {
        Err(IdError::Empty)
    } else if s.len() > 200 {
        Err(IdError::TooLong)
    } else if s.trim() != s || s.chars().any(char::is_control) {
        Err(IdError::BadCharacter)
    } else {
        Ok(())
    }
}

macro_rules! id_type {
    ($($(#[$meta:meta])* $name:ident;)*) => {$(
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(String);

        impl $name {
            /// The id's text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl FromStr for $name {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, IdError> {
                check_id(s).map(|()| Self(s.to_owned()))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                // The text read becomes the id (serde reads a `Cow` as a copy, which `parse`
                // copied again: every id of the workspace's cache twice, issue 12).
                let text = String::deserialize(deserializer)?;
                check_id(&text).map_err(serde::de::Error::custom)?;
                Ok(Self(text))
            }
        }

        impl std::borrow::Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }
    )*};
}

id_type! {
    /// An app or product.
    AppId;
    /// A team.
    TeamId;
    /// A person.
    PersonId;
    /// An OKR cycle such as `2027` or `2027-Q1`.
    CycleId;
    /// A data-flow element (process, data store, external entity), flow or boundary inside one model.
    ElementId;
    /// A threat inside one model.
    ThreatId;
    /// A control (mitigation) inside one model.
    ControlId;
    /// A test scenario (abuse case) inside one model.
    TestId;
    /// An objective.
    ObjectiveId;
    /// A key result.
    KeyResultId;
}

impl ThreatId {
    /// Checks a text against the id rule without building an id.
    pub fn from_str_checked(s: &str) -> Result<(), IdError> {
        check_id(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_reject_empty_padded_and_control_text() {
        assert!("T-CHK-1".parse::<ThreatId>().is_ok());
        assert!("api>place-order".parse::<ElementId>().is_ok());
        assert_eq!("".parse::<ThreatId>(), Err(IdError::Empty));
        assert_eq!(" T-1".parse::<ThreatId>(), Err(IdError::BadCharacter));
        assert_eq!("T\u{7}1".parse::<ThreatId>(), Err(IdError::BadCharacter));
    }

    #[test]
    fn ids_read_by_serde_are_checked_as_parsed_ones() {
        let read = |json: &str| serde_json::from_str::<ThreatId>(json);
        assert_eq!(read("\"T-CHK-1\"").unwrap(), "T-CHK-1".parse().unwrap());
        for bad in ["\"\"", "\" T-1\"", "\"T\\u00071\"", &format!("\"{}\"", "x".repeat(201))] {
            let error = read(bad).expect_err(bad).to_string();
            assert!(error.starts_with("an id "), "{bad}: {error}");
        }
    }
}
