fn main() {
    std::process::exit(cargo_jwtlint::cli::main());
}
