//! Reaching nodes over SSH: one multiplexed master connection per node.
