//! Compiles protocol/proto/organizer.proto with protox (pure Rust: no protoc needed) into
//! tonic clients and servers for both services.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../protocol/proto");
    let file = dir.join("organizer.proto");
    println!("cargo:rerun-if-changed={}", file.display());
    let fds = protox::compile([&file], [&dir])?;
    tonic_prost_build::configure().compile_fds(fds)?;
    Ok(())
}
