//! The verify engine: runs checks over SSH with deadlines and judges them.
