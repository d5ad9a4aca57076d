//! Tests that must not run beside the others, in a binary of their own
//! (`cargo test --test alone`): the outage tests stop the shared RabbitMQ
//! with `rabbitmqctl stop_app`, which would fail every other test using it
//! at that moment in the same process. Cargo runs test binaries one after
//! another, so here nothing else runs while the server is away.

mod common;

mod outages;
