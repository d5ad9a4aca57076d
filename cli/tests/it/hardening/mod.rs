//! Issue 15's findings, each reproduced against a running Kiln: hostile
//! clients, requests for unbounded work, a store with accounts started
//! without them, a full disk, look-alike input.

mod budgets;
mod cancellation;
mod connections;
mod data;
mod hygiene;
