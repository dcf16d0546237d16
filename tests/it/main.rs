//! Integration tests of `lab`, one module per area.

mod vagrant;
