//! Command line: argument parsing, orchestration and exit codes.

pub fn main() -> i32 {
    0
}
