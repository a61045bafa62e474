//! How a video's playback file is made, beyond the built-in rule: the sysadmin's decision hook
//! (an executable told the probe, answering "as is", "proxy", or the ffmpeg options to use) and
//! whether a configured hardware encoder is there at all. Blocking: call on a worker thread.

use super::probe::Probe;
use crate::config::Encoder;
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// How long the hook may think about one file.
pub const HOOK_TIMEOUT: Duration = Duration::from_secs(10);

/// What the hook decided.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// The built-in rule: as is when a browser plays it, else a proxy.
    Default,
    /// Play the original as it is.
    AsIs,
    /// Make a proxy (with these video and audio codec options, when given).
    Proxy(Option<Vec<String>>),
}

/// Reads the hook's answer: one JSON object, `{"decision": "default" | "as_is" | "proxy"}`,
/// with `"output_args": ["-c:v", "libx264", …]` for a proxy. Options that would name
/// inputs, outputs, formats, protocols or files are refused: the server keeps those.
pub fn parse_answer(text: &str) -> Result<Decision, String> {
    let v: serde_json::Value =
        serde_json::from_str(text.trim()).map_err(|e| format!("the answer is not a JSON object: {e}"))?;
    let decision = v.get("decision").and_then(|d| d.as_str()).unwrap_or("default");
    let args = match v.get("output_args") {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::Array(items)) => {
            let mut out = Vec::new();
            for it in items {
                let s = it.as_str().ok_or("output_args holds strings only")?;
                out.push(s.to_string());
            }
            Some(out)
        }
        Some(_) => return Err("output_args must be a list of strings".into()),
    };
    if let Some(a) = &args {
        check_args(a)?;
    }
    match (decision, args) {
        ("default", None) => Ok(Decision::Default),
        ("as_is", None) => Ok(Decision::AsIs),
        ("proxy", a) => Ok(Decision::Proxy(a)),
        (d, Some(_)) if d != "proxy" => Err("output_args go with \"decision\": \"proxy\"".into()),
        (d, _) => Err(format!("unknown decision {d:?}: default, as_is or proxy")),
    }
}

fn check_args(args: &[String]) -> Result<(), String> {
    const FORBIDDEN: &[&str] = &[
        "-i",
        "-f",
        "-y",
        "-n",
        "-map",
        "-filter_complex",
        "-vf",
        "-filter:v",
        "-af",
        "-progress",
        "-attach",
        "-dump_attachment",
        "-passlogfile",
        "-stats_enc_pre",
        "-stats_enc_post",
        "-metadata",
    ];
    if args.len() > 200 {
        return Err("at most 200 output_args".into());
    }
    for a in args {
        let lower = a.to_ascii_lowercase();
        if FORBIDDEN.contains(&lower.as_str()) {
            return Err(format!(
                "output_args may not contain {a}: the server sets inputs, filters and outputs"
            ));
        }
        if lower.contains("://") || lower.starts_with("file:") || a.contains('/') || a.contains('\0') {
            return Err(format!("output_args may not name files or addresses: {a:?}"));
        }
    }
    Ok(())
}

/// Runs the hook with `{"title", "file", "probe"}` on stdin (the title is the name it was
/// uploaded under, the file its name in the media's directory); an error says why its answer
/// is not used.
pub fn ask_hook(hook: &Path, probe: &Probe, title: &str, file: &str) -> Result<Decision, String> {
    let input = serde_json::json!({"title": title, "file": file, "probe": probe}).to_string();
    let mut child = Command::new(hook)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", hook.display()))?;
    if let Some(mut stdin) = child.stdin.take() {
        // A hook that does not read its input is its own business.
        let _ = stdin.write_all(input.as_bytes());
    }
    let mut stdout = child.stdout.take().ok_or("no stdout")?;
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = (&mut stdout).take(64 * 1024).read_to_string(&mut s);
        s
    });
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break s,
            Ok(None) if started.elapsed() > HOOK_TIMEOUT => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("it did not answer within {} s", HOOK_TIMEOUT.as_secs()));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(e) => return Err(e.to_string()),
        }
    };
    let out = reader.join().unwrap_or_default();
    if !status.success() {
        return Err(format!("it exited with {status}"));
    }
    parse_answer(&out)
}

/// Whether this ffmpeg can use `encoder` here at all: the encoder is built in, and for
/// VA-API the render device exists. Asked once per encoder.
pub fn encoder_present(encoder: Encoder, vaapi_device: &Path) -> Result<(), String> {
    static ENCODERS: OnceLock<String> = OnceLock::new();
    let name = match encoder {
        Encoder::Software => return Ok(()),
        Encoder::Vaapi => "h264_vaapi",
        Encoder::Nvenc => "h264_nvenc",
        Encoder::Qsv => "h264_qsv",
    };
    let list = ENCODERS.get_or_init(|| {
        Command::new("ffmpeg")
            .args(["-hide_banner", "-encoders"])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default()
    });
    if !list.split_whitespace().any(|w| w == name) {
        return Err(format!("this ffmpeg has no {name} encoder"));
    }
    if encoder == Encoder::Vaapi && !vaapi_device.exists() {
        return Err(format!("there is no VA-API device {}", vaapi_device.display()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_read_and_dangerous_options_refused() {
        assert_eq!(parse_answer(r#"{"decision":"as_is"}"#), Ok(Decision::AsIs));
        assert_eq!(parse_answer("{}"), Ok(Decision::Default));
        assert_eq!(parse_answer(r#"{"decision":"proxy"}"#), Ok(Decision::Proxy(None)));
        assert_eq!(
            parse_answer(r#"{"decision":"proxy","output_args":["-c:v","libx264","-crf","16","-c:a","aac"]}"#),
            Ok(Decision::Proxy(Some(
                ["-c:v", "libx264", "-crf", "16", "-c:a", "aac"]
                    .map(String::from)
                    .to_vec()
            )))
        );
        for bad in [
            "not json",
            r#"{"decision":"maybe"}"#,
            r#"{"decision":"as_is","output_args":["-c:v","libx264"]}"#,
            r#"{"decision":"proxy","output_args":["-i","/etc/passwd"]}"#,
            r#"{"decision":"proxy","output_args":["-c:v","libx264","/tmp/out.mp4"]}"#,
            r#"{"decision":"proxy","output_args":["-vf","movie=x"]}"#,
            r#"{"decision":"proxy","output_args":[1]}"#,
        ] {
            assert!(parse_answer(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn software_is_always_there_and_a_missing_device_is_named() {
        assert!(encoder_present(Encoder::Software, Path::new("/nope")).is_ok());
        let e = encoder_present(Encoder::Vaapi, Path::new("/nonexistent/renderD128")).unwrap_err();
        assert!(e.contains("renderD128") || e.contains("h264_vaapi"), "{e}");
    }
}
