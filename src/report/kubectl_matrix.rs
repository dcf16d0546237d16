//! The version matrix of the book's section, as types: every kubectl line
//! of a chapter through every kubectl minor found. Filled by `kubectl`
//! (which re-exports them: `kubectl::Matrix`, `kubectl::Kubectl`,
//! `kubectl::KubeVersion`, with their behaviour as impls there) and held
//! by the record's book section.

use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// One line's verdict from one kubectl.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Accepted without a word.
    Accepted,
    /// Accepted with a deprecation or warning (in `message`).
    Deprecated,
    /// Refused before connecting (kubectl's words in `message`).
    Refused,
    /// Not judged: kubectl could not be run or did not finish (why in
    /// `message`). Never counted as accepted.
    NotRun,
}

/// One cell: a line, judged by one kubectl.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Cell {
    /// The kubectl's version: `1.32.3`.
    #[schemars(with = "String")]
    pub version: KubeVersion,
    pub verdict: Verdict,
    /// kubectl's words: its warnings (one a line), its refusal, or why it
    /// was not run; empty when accepted without a word.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
}

/// One kubectl line of the chapter and its cells, one per kubectl (in the
/// order of [`Matrix::kubectls`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct MatrixLine {
    /// Its line in the chapter.
    pub line: usize,
    /// The words after `kubectl`, as the book has them.
    pub args: Vec<String>,
    pub cells: Vec<Cell>,
}

/// Every line through every kubectl.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Matrix {
    /// The kubectls, sorted by minor.
    pub kubectls: Vec<Kubectl>,
    pub lines: Vec<MatrixLine>,
}

/// A kubectl release, `1.32.3`. Serialized as that string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct KubeVersion {
    pub major: u32,
    pub minor: u32,
    pub patch: u32,
}

/// One kubectl binary and the version it reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Kubectl {
    pub path: PathBuf,
    /// `1.32.3`.
    #[schemars(with = "String")]
    pub version: KubeVersion,
}
