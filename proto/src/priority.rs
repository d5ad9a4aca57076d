//! Which lane a job waits in.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A job's lane: work someone is waiting for goes before bulk work.
///
/// Every broker keeps the two apart (a priority queue or a separate lane),
/// so a backlog of bulk jobs (a library re-scan, an operator's mass retry)
/// never delays a fresh upload.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Priority {
    /// Someone is waiting for it (the default).
    #[default]
    Interactive,
    /// Background work: runs when no interactive job is waiting.
    Bulk,
}

impl Priority {
    /// Both lanes, the first served first.
    pub const ALL: [Priority; 2] = [Priority::Interactive, Priority::Bulk];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Interactive => "interactive",
            Priority::Bulk => "bulk",
        }
    }

    /// Whether this is the default lane (left out of messages).
    pub fn is_interactive(&self) -> bool {
        *self == Priority::Interactive
    }
}

impl fmt::Display for Priority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Priority {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "interactive" => Ok(Priority::Interactive),
            "bulk" => Ok(Priority::Bulk),
            other => Err(format!(
                "unknown priority {other:?}: expected interactive or bulk"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_its_own_names_only() {
        for p in Priority::ALL {
            assert_eq!(p.as_str().parse::<Priority>(), Ok(p));
            assert_eq!(serde_json::to_value(p).ok(), Some(p.as_str().into()));
        }
        assert!("urgent".parse::<Priority>().is_err());
        assert_eq!(Priority::default(), Priority::Interactive);
    }
}
