//! The backends' integration tests, in one binary: the contract suites and
//! each backend's own tests against its real server (or stand-in), one
//! module per backend.

mod embedded_contract;
mod kafka_contract;
mod mongo_contract;
mod rabbitmq_contract;
mod redis_contract;
