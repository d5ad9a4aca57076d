//! The keys of the flat layout (`amqp_url`, `thumbnail_concurrency`, ...)
//! and where they went. As `KILN_*` variables they keep working; in a file
//! they are refused with their new name.

/// One setting that moved when the backend and worker sections came.
#[derive(Debug, Clone, Copy)]
pub struct Renamed {
    /// The flat key; in capitals after `KILN_`, its variable.
    pub old: &'static str,
    /// Where it is now (a dotted key), or the section its keys moved into.
    pub new: &'static str,
    /// `(section, kind)`: the old variable is read only when that section
    /// has that kind (`KILN_AMQP_URL` with `broker.kind = "rabbitmq"`).
    pub only_with: Option<(&'static str, &'static str)>,
    /// A whole section moved (`[kafka]` into `[broker]`), with its subkeys.
    pub whole_section: bool,
}

const fn key(
    old: &'static str,
    new: &'static str,
    only_with: Option<(&'static str, &'static str)>,
) -> Renamed {
    Renamed {
        old,
        new,
        only_with,
        whole_section: false,
    }
}

const MONGODB: Option<(&str, &str)> = Some(("store", "mongodb"));
const RABBITMQ: Option<(&str, &str)> = Some(("broker", "rabbitmq"));
const KAFKA: Option<(&str, &str)> = Some(("broker", "kafka"));

/// Every renamed key (docs/configuration.md has the same table).
pub const RENAMED: &[Renamed] = &[
    key("store", "store.kind", None),
    key("broker", "broker.kind", None),
    key("mongodb_uri", "store.uri", MONGODB),
    key("mongodb_database", "store.database", MONGODB),
    key("mongodb_create_indexes", "store.create_indexes", MONGODB),
    key("amqp_url", "broker.url", RABBITMQ),
    Renamed {
        whole_section: true,
        ..key("rabbitmq", "broker", RABBITMQ)
    },
    key("kafka_brokers", "broker.brokers", KAFKA),
    Renamed {
        whole_section: true,
        ..key("kafka", "broker", KAFKA)
    },
    key("redis_url", "redis.url", None),
    key(
        "thumbnail_concurrency",
        "workers.thumbnail.concurrency",
        None,
    ),
    key("metadata_concurrency", "workers.metadata.concurrency", None),
    key("convert_concurrency", "workers.convert.concurrency", None),
    key("notify_concurrency", "workers.notify.concurrency", None),
    key("job_timeout_secs", "workers.timeout_secs", None),
    key("smtp_url", "workers.notify.smtp_url", None),
    key("mail_from", "workers.notify.mail_from", None),
];

/// The configured `store.kind` and `broker.kind`, which decide where the
/// old backend variables go.
#[derive(Debug, Clone, Default)]
pub(super) struct Kinds {
    pub(super) store: Option<String>,
    pub(super) broker: Option<String>,
}

impl Kinds {
    fn allow(&self, r: &Renamed) -> bool {
        r.only_with.is_none_or(|(section, kind)| {
            let configured = match section {
                "store" => &self.store,
                _ => &self.broker,
            };
            configured.as_deref() == Some(kind)
        })
    }
}

/// Where the old variable `key` (lowercase, without `KILN_`) goes: a dotted
/// key; `None` when it is no old name or belongs to another backend than
/// the configured one (compose.yaml and deploy/ set both brokers' addresses).
pub(super) fn new_key(key: &str, kinds: &Kinds) -> Option<String> {
    RENAMED.iter().filter(|r| kinds.allow(r)).find_map(|r| {
        if r.whole_section {
            let sub = key.strip_prefix(r.old)?.strip_prefix("__")?;
            Some(format!("{}.{}", r.new, sub.replace("__", ".")))
        } else {
            (key == r.old).then(|| r.new.to_owned())
        }
    })
}

/// Whether `key` (lowercase, without `KILN_`) is an old name, whichever
/// backend is configured.
pub(super) fn is_old_name(key: &str) -> bool {
    RENAMED.iter().any(|r| {
        if r.whole_section {
            key.strip_prefix(r.old)
                .is_some_and(|sub| sub.starts_with("__"))
        } else {
            key == r.old
        }
    })
}

/// The old variable that set the value at `path`, for messages.
pub(super) fn old_variable(path: &[&str], kinds: &Kinds) -> String {
    let dotted = path.join(".");
    let allowed = || RENAMED.iter().filter(|r| kinds.allow(r));
    let name = allowed()
        .find(|r| !r.whole_section && r.new == dotted)
        .map(|r| r.old.to_owned())
        .or_else(|| {
            allowed().filter(|r| r.whole_section).find_map(|r| {
                let sub = dotted.strip_prefix(r.new)?.strip_prefix('.')?;
                Some(format!("{}__{}", r.old, sub.replace('.', "__")))
            })
        })
        .unwrap_or_else(|| path.join("__"));
    format!("KILN_{}", name.to_ascii_uppercase())
}

/// Where the top-level key `old` of the flat layout went, for a file that
/// still uses it.
pub(super) fn moved_hint(old: &str) -> Option<String> {
    let r = RENAMED.iter().find(|r| r.old == old)?;
    let with = r
        .only_with
        .map(|(section, kind)| format!(" with {section}.kind = \"{kind}\""))
        .unwrap_or_default();
    let what = if r.whole_section {
        format!("its settings moved into [{}]", r.new)
    } else {
        format!("renamed `{}`", r.new)
    };
    Some(format!("{what}{with}; see docs/configuration.md"))
}
