//! Facts about a package that no single file holds: the module tree (which files are test
//! code because their parent declares them under `#[cfg(test)]`).

pub mod modules;
