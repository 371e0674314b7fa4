//! Facts about a package that no single file holds: the module tree (which files are test
//! code because their parent declares them under `#[cfg(test)]`), and the typed facts that
//! travel between files and packages ([`facts`]).

pub mod cfg;
pub mod config_defaults;
pub mod facts;
pub mod modules;
