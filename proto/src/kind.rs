//! Job kinds and the worker roles that consume them, generated from the one
//! registry in [`crate::jobs`]: adding a kind there adds it here.

/// Defines [`JobKind`], [`Role`] and [`Job`](crate::Job) from one list of
/// `Variant => ParamsType` pairs, each params type implementing
/// [`JobSpec`](crate::JobSpec) (which names the kind on the wire).
macro_rules! job_kinds {
    ($( $(#[$doc:meta])* $variant:ident => $spec:ty ),+ $(,)?) => {
        /// What a job asks a worker to do.
        ///
        /// Serialised as a lowercase string. A kind this build does not know
        /// deserialises to [`JobKind::Unknown`] instead of failing, so that a
        /// worker can dead-letter the message with a reason rather than
        /// crash on it.
        #[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(from = "String", into = "String")]
        pub enum JobKind {
            $( $(#[$doc])* $variant, )+
            /// A kind introduced by a newer producer; carried verbatim.
            Unknown(String),
        }

        impl JobKind {
            /// Every kind this build can process.
            pub const KNOWN: [JobKind; Role::ALL.len()] = [$(JobKind::$variant),+];

            /// The wire name of the kind.
            pub fn as_str(&self) -> &str {
                match self {
                    $( JobKind::$variant => <$spec as $crate::JobSpec>::NAME, )+
                    JobKind::Unknown(s) => s,
                }
            }

            /// Whether the end of a job of this kind may be emailed to its
            /// owner (not for notify jobs, nor for kinds this build does
            /// not know).
            pub fn notifies_owner(&self) -> bool {
                match self {
                    $( JobKind::$variant => <$spec as $crate::JobSpec>::NOTIFIES_OWNER, )+
                    JobKind::Unknown(_) => false,
                }
            }

            /// What an email calls the work of a job of this kind.
            pub fn noun(&self) -> &'static str {
                match self {
                    $( JobKind::$variant => <$spec as $crate::JobSpec>::NOUN, )+
                    JobKind::Unknown(_) => "job",
                }
            }

            /// The worker role that consumes this kind, if any.
            pub fn role(&self) -> Option<Role> {
                match self {
                    $( JobKind::$variant => Some(Role::$variant), )+
                    JobKind::Unknown(_) => None,
                }
            }
        }

        impl From<String> for JobKind {
            fn from(s: String) -> Self {
                $( if s == <$spec as $crate::JobSpec>::NAME { return JobKind::$variant; } )+
                JobKind::Unknown(s)
            }
        }

        /// A worker role: one deployable consumer group, one queue. Each
        /// role consumes the job kind of the same name.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "lowercase")]
        pub enum Role {
            $( $(#[$doc])* $variant, )+
        }

        impl Role {
            /// Every role this build can run.
            pub const ALL: [Role; [$(stringify!($variant)),+].len()] = [$(Role::$variant),+];

            /// The role's name, as used on the command line and in queue names.
            pub fn as_str(self) -> &'static str {
                match self {
                    $( Role::$variant => <$spec as $crate::JobSpec>::NAME, )+
                }
            }

            /// The job kinds this role consumes.
            pub fn kinds(self) -> &'static [JobKind] {
                match self {
                    $( Role::$variant => &[JobKind::$variant], )+
                }
            }

            /// The default time limit of one attempt of this role's jobs.
            pub fn time_limit(self) -> std::time::Duration {
                match self {
                    $( Role::$variant => <$spec as $crate::JobSpec>::TIME_LIMIT, )+
                }
            }
        }

        /// A job's typed parameters: one variant per kind.
        #[derive(Debug, Clone, PartialEq)]
        pub enum Job {
            $( $(#[$doc])* $variant($spec), )+
        }

        impl Job {
            /// The job's kind.
            pub fn kind(&self) -> JobKind {
                match self {
                    $( Job::$variant(_) => JobKind::$variant, )+
                }
            }

            /// Checks the parameters, naming the offending one.
            pub fn validate(&self) -> Result<(), $crate::InvalidParams> {
                match self {
                    $( Job::$variant(p) => $crate::JobSpec::validate(p), )+
                }
            }

            /// Reads (and validates) the parameters of a job of `kind`.
            pub fn parse(kind: &JobKind, params: &serde_json::Value) -> Result<Job, $crate::DecodeError> {
                match kind {
                    $( JobKind::$variant => Ok(Job::$variant($crate::jobs::parse::<$spec>(params)?)), )+
                    JobKind::Unknown(k) => Err($crate::DecodeError::UnknownKind(k.clone())),
                }
            }

            /// The parameters' wire form, with `notify` added when asked.
            pub fn to_params(&self, notify: Option<$crate::NotifyBy>) -> serde_json::Value {
                match self {
                    $( Job::$variant(p) => $crate::jobs::to_params(p, notify), )+
                }
            }
        }

        $( impl $crate::jobs::Registered for $spec {
            const ROLE: Role = Role::$variant;
        } )+

        $( impl From<$spec> for Job {
            fn from(p: $spec) -> Job {
                Job::$variant(p)
            }
        } )+
    };
}

pub(crate) use job_kinds;

impl std::fmt::Display for crate::JobKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<crate::JobKind> for String {
    fn from(k: crate::JobKind) -> Self {
        k.as_str().to_owned()
    }
}

impl std::fmt::Display for crate::Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for crate::Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        crate::Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = crate::Role::ALL.iter().map(|r| r.as_str()).collect();
                format!(
                    "unknown role {:?}; expected one of: {}",
                    crate::api::excerpt(s),
                    names.join(", ")
                )
            })
    }
}
