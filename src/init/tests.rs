//! Unit tests of `lab init` (no root): the shipped chapter and the fixtures
//! under tests/fixtures/init/.
