//! The data the pipeline steps hand on: plain types, no I/O.

pub mod exposure;
pub mod kinds;
pub mod map;
pub mod netns;
pub mod owners;
pub mod radix;
pub mod reach;
pub mod socket;
pub mod warning;
