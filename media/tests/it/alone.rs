//! Tests that must not run beside the others, in a binary of their own
//! (`cargo test --test alone`): the memory test reads the process's peak
//! RSS, which conversions running at the same time in the same process
//! would raise (or, having raised it first, would hide its growth).

mod common;

mod memory;
