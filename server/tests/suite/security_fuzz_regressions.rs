//! Inputs that fuzzing (`fuzz/`, `scripts/fuzz.sh`) turned up, fed to the same code in the
//! normal test suite so they stay fixed. The raw inputs are kept in `fuzz/regressions/`.
//! Also: the fuzzers' seeds (`fuzz/seeds/`) stay small and what their names say.

use dailies_protocol::{ClientMsg, ServerMsg};
use dailies_server::session::decode_client_text;

fn regression(name: &str) -> String {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/regressions")
        .join(name);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// client_msg: a coordinate too large for an f32 decodes as infinity (and would print as
/// null); validation must refuse it before it reaches a room or the database.
#[test]
fn an_f32_overflow_in_a_stroke_is_refused_by_validation() {
    let text = regression("client_msg-f32-overflow.json");
    let Ok(ClientMsg::LiveStroke { shape, .. }) = decode_client_text(&text) else {
        panic!("the input decodes as a live stroke");
    };
    assert!(shape.points[0].y.is_infinite());
    assert!(shape.validate().unwrap_err().contains("finite"));
    // The same number in a comment's drawing and as a width.
    let comment = text
        .replace("\"live_stroke\"", "\"add_comment\"")
        .replace(
            "\"shape\": {",
            "\"text\": \"\", \"frame\": 0, \"drawing\": {\"shapes\": [{",
        )
        .replace("0.005}}", "0.005}]}}");
    let Ok(ClientMsg::AddComment { drawing: Some(d), .. }) = decode_client_text(&comment) else {
        panic!("{comment} decodes as a comment with a drawing");
    };
    assert!(d.validate().is_err());
    let wide = text.replace("\"width\": 0.005", "\"width\": 1e39");
    let Ok(ClientMsg::LiveStroke { shape, .. }) = decode_client_text(&wide) else {
        panic!()
    };
    assert!(shape.validate().is_err());
}

/// Found while writing the session_text target (by reading, not by the fuzzer): serde quotes
/// an unknown tag in its error; cutting that message at a fixed
/// byte count could land inside a two-byte character and panic the session.
#[test]
fn a_non_ascii_unknown_type_is_answered() {
    for n in [149, 150, 151, 200, 1000] {
        let text = format!(r#"{{"type":"{}"}}"#, "é".repeat(n));
        match decode_client_text(&text).map_err(|e| *e) {
            Err(ServerMsg::Error { message, .. }) => assert!(message.len() < 400),
            other => panic!("{other:?}"),
        }
    }
}

/// The fuzz crate's directory, beside the server's.
fn fuzz_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz")
}

/// The seeds of one target (`fuzz/seeds/<target>/`), by name.
fn seeds(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = fuzz_dir().join("seeds").join(target);
    let mut out: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| {
            let e = e.unwrap();
            (e.file_name().into_string().unwrap(), std::fs::read(e.path()).unwrap())
        })
        .collect();
    out.sort();
    out
}

/// Every fuzz target starts from a small set of named seeds, not a committed corpus (that
/// lives outside the tree: `scripts/fuzz.sh`; `fuzz/.gitignore` keeps `fuzz/corpus/` out).
#[test]
fn every_fuzz_target_has_small_named_seeds() {
    let manifest = std::fs::read_to_string(fuzz_dir().join("Cargo.toml")).unwrap();
    let targets: Vec<&str> = manifest
        .split("[[bin]]")
        .skip(1)
        .filter_map(|bin| {
            let line = bin.lines().find(|l| l.trim_start().starts_with("name"))?;
            line.split('"').nth(1)
        })
        .collect();
    assert_eq!(targets.len(), 5, "{targets:?}");
    for t in targets {
        let seeds = seeds(t);
        assert!((3..=60).contains(&seeds.len()), "{t}: {} seeds", seeds.len());
        for (name, data) in &seeds {
            assert!(data.len() <= 16 << 10, "{t}/{name}: {} bytes", data.len());
            let stem = name.split('.').next().unwrap();
            assert!(
                stem.len() >= 3
                    && stem
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
                "{t}/{name}: name a seed for what it is"
            );
        }
    }
}

/// client_msg seeds are named after their message type: each decodes as that type, its
/// drawing validates and it survives a round trip, and every type has one.
#[test]
fn client_msg_seeds_are_the_messages_they_name() {
    let seeds = seeds("client_msg");
    for ty in ClientMsg::TYPES {
        assert!(
            seeds.iter().any(|(name, _)| type_of_seed(name) == Some(ty)),
            "no client_msg seed for {ty}"
        );
    }
    for (name, data) in &seeds {
        let text = std::str::from_utf8(data).unwrap();
        let msg = decode_client_text(text).unwrap_or_else(|e| panic!("{name}: {e:?}"));
        assert_eq!(Some(msg.type_name()), type_of_seed(name), "{name}");
        match &msg {
            ClientMsg::AddComment { drawing: Some(d), .. } | ClientMsg::EditComment { drawing: Some(d), .. } => {
                d.validate().unwrap_or_else(|e| panic!("{name}: {e}"))
            }
            ClientMsg::LiveStroke { shape, .. } => shape.validate().unwrap_or_else(|e| panic!("{name}: {e}")),
            _ => {}
        }
        let back: ClientMsg = serde_json::from_str(&serde_json::to_string(&msg).unwrap()).unwrap();
        assert_eq!(back, msg, "{name}");
    }
}

/// The longest message type the seed's name starts with.
fn type_of_seed(name: &str) -> Option<&'static str> {
    let stem = name.strip_suffix(".json")?;
    ClientMsg::TYPES
        .iter()
        .copied()
        .filter(|t| stem == *t || stem.starts_with(&format!("{t}_")))
        .max_by_key(|t| t.len())
}

/// session_text seeds: `valid_*` decode, every other one is answered with `bad_message`.
#[test]
fn session_text_seeds_decode_or_are_answered() {
    for (name, data) in seeds("session_text") {
        let text = std::str::from_utf8(&data).unwrap();
        match decode_client_text(text).map_err(|e| *e) {
            Ok(_) => assert!(name.starts_with("valid_"), "{name} decodes"),
            Err(ServerMsg::Error { code, .. }) => {
                assert!(!name.starts_with("valid_"), "{name} is refused");
                assert_eq!(code, dailies_protocol::ErrorCode::BadMessage, "{name}");
            }
            Err(other) => panic!("{name}: {other:?}"),
        }
    }
}
