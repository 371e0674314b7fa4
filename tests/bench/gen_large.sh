#!/usr/bin/env bash
# Writes a package with one large generated source file that imports jsonwebtoken:
#   tests/bench/gen_large.sh DIR [MEGABYTES]   (default 15)
# Megabytes of `pub fn fN() -> u64 { N * 3 }`, structs with impls and numeric tables, with a few
# JWT findings deep inside (a hard-coded secret, an unverified decode, exp validation off).
set -euo pipefail
DIR="$1"; MB="${2:-15}"
mkdir -p "$DIR/src"
cat > "$DIR/Cargo.toml" <<'TOML'
[package]
name = "large-generated"
version = "0.1.0"
edition = "2021"

[dependencies]
jsonwebtoken = "=9.3.1"
serde = { version = "1", features = ["derive"] }
TOML
awk -v target=$((MB * 1024 * 1024)) '
function emit(s) { print s; bytes += length(s) + 1 }
BEGIN {
  emit("use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};")
  emit("use serde::{Deserialize, Serialize};")
  emit("")
  emit("#[derive(Debug, Serialize, Deserialize)]")
  emit("pub struct Claims { pub sub: String, pub exp: usize }")
  n = 0; placed = 0
  while (bytes < target) {
    if (n % 1000 == 999) {
      row = "pub static TABLE_" n ": [u64; 512] = ["
      for (k = 0; k < 512; k++) row = row (k * 7919 + n) % 65536 ", "
      emit(row "];")
    } else if (n % 100 == 50) {
      emit("pub struct S" n " { a: u64, b: u64 }")
      emit("impl S" n " { pub fn get(&self) -> u64 { self.a.wrapping_mul(" n ") + self.b } }")
    } else {
      emit("pub fn f" n "() -> u64 { " n " * 3 }")
    }
    if (placed == 0 && bytes > target / 3) {
      emit("const SIGNING_KEY: &[u8] = b\"generated-but-hard-coded-secret\";")
      emit("pub fn issue(sub: &str) -> String {")
      emit("    let claims = Claims { sub: sub.to_string(), exp: 4_102_444_800 };")
      emit("    encode(&Header::default(), &claims, &EncodingKey::from_secret(SIGNING_KEY)).unwrap()")
      emit("}")
      placed = 1
    }
    if (placed == 1 && bytes > target / 2) {
      emit("pub fn read(token: &str) -> Claims {")
      emit("    let mut v = Validation::new(Algorithm::HS256);")
      emit("    v.validate_exp = false;")
      emit("    v.insecure_disable_signature_validation();")
      emit("    decode::<Claims>(token, &DecodingKey::from_secret(b\"secret\"), &v).unwrap().claims")
      emit("}")
      placed = 2
    }
    if (placed == 2 && bytes > target * 2 / 3) {
      emit("pub fn caller(token: &str) -> String { read(token).sub }")
      placed = 3
    }
    n++
  }
}' > "$DIR/src/lib.rs"
