//! The ways reading or diffing objects can fail.

use std::path::PathBuf;

/// An error from reading an object file; each names the file and what was expected.
#[derive(Debug, thiserror::Error)]
pub enum LivepatchError {
    /// The file could not be read at all.
    #[error("{path}: cannot read: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The file does not start with the ELF magic.
    #[error("{path}: not an ELF file (no \\x7fELF magic); give an object file built by gcc -c")]
    NotElf {
        /// The file.
        path: PathBuf,
    },
    /// The file ends before a structure its headers describe.
    #[error("{path}: truncated: {what} extends past the end of the file ({len} bytes)")]
    Truncated {
        /// The file.
        path: PathBuf,
        /// The structure cut short.
        what: String,
        /// The file's length.
        len: usize,
    },
    /// An ELF class, byte order or machine that is not supported.
    #[error(
        "{path}: unsupported ELF: {what}; only 64-bit little-endian x86_64 and arm64 objects are supported"
    )]
    Unsupported {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        what: String,
    },
    /// An executable or shared object was given where a relocatable object is needed.
    #[error("{path}: {kind} is not a relocatable object (ET_REL); give the .o file kbuild compiled, not a linked binary")]
    NotRelocatable {
        /// The file.
        path: PathBuf,
        /// The ELF type found.
        kind: String,
    },
    /// The headers are inconsistent in a way the parser reports.
    #[error("{path}: malformed ELF: {msg}")]
    Malformed {
        /// The file.
        path: PathBuf,
        /// The parser's explanation.
        msg: String,
    },
}
