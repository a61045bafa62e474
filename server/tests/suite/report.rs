//! The review report and comment stills (issue 17, part 5): a real clip made by ffmpeg,
//! notes with a drawing, replies and non-ASCII words; the PDF read back with poppler's
//! pdftotext and pdftoppm, the still's pixels checked where its arrow runs.

use crate::common::{client, ffmpeg_make, TestServer, Ws};
use serde_json::{json, Value};

const OWNER: &str = "ed";
const REVIEWER: &str = "zoe";

async fn joined(s: &TestServer, user: &str, media: &str) -> Ws {
    let mut ws = s.ws(Some(user)).await;
    ws.recv_type("welcome").await;
    ws.send(json!({"type": "join_room", "media_id": media, "since_seq": null}))
        .await;
    ws.recv_type("room_joined").await;
    ws
}

async fn add(ws: &mut Ws, media: &str, frame: i64, text: &str, parent: Option<i64>, drawing: Value) -> i64 {
    ws.send(
        json!({"type": "add_comment", "media_id": media, "text": text, "frame": frame,
        "end_frame": null, "parent_id": parent, "drawing": drawing, "client_ref": null}),
    )
    .await;
    let v = ws.recv_type("room_event").await;
    v["event"]["comment"]["id"].as_i64().unwrap_or_else(|| panic!("{v}"))
}

/// Runs a poppler tool; answers its stdout.
fn poppler(tool: &str, args: &[&str]) -> String {
    let out = std::process::Command::new(tool)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{tool} (poppler-utils, scripts/install-deps.sh --test): {e}"));
    assert!(
        out.status.success(),
        "{tool} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn red(p: tiny_skia::PremultipliedColorU8) -> bool {
    p.red() > 200 && p.green() < 80 && p.blue() < 80
}

#[actix_rt::test]
async fn the_report_holds_every_note_and_the_still_shows_the_arrow() {
    let s = TestServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let clip = dir.path().join("blue.mp4");
    // A plain blue picture, so that the only red is the drawing's.
    ffmpeg_make(
        &clip,
        &["color=c=blue:size=320x240:rate=25"],
        &[
            "-t",
            "4",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
        ],
    );
    let (code, v) = s.upload(OWNER, "scène 12.mp4", std::fs::read(&clip).unwrap()).await;
    assert_eq!(code, 201, "{v}");
    let id = v["id"].as_str().unwrap().to_string();
    let m = s.wait_done(OWNER, &id, 90).await;
    assert_eq!(m["status"], "ready", "{m}");
    let mut r = client()
        .put(s.url(&format!("/api/media/{id}/sharing")))
        .insert_header(("X-Remote-User-Id", OWNER))
        .send_json(&json!({"link_access": "off", "users": [{"user_id": REVIEWER, "role": "commenter"}]}))
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{:?}", r.body().await);

    let arrow = json!({"shapes": [{"tool": "arrow", "points": [{"x": 0.1, "y": 0.5}, {"x": 0.9, "y": 0.5}],
        "color": "#ff0000", "width": 0.02, "text": null}]});
    let mut ed = joined(&s, OWNER, &id).await;
    let first = add(&mut ed, &id, 10, "too dark on the left", None, arrow).await;
    let accents = add(&mut ed, &id, 50, "Grüße: schön, café crème", None, Value::Null).await;
    let long = "the grain shifts between the plates ".repeat(12);
    add(&mut ed, &id, 75, long.trim(), None, Value::Null).await;
    let mut zoe = joined(&s, REVIEWER, &id).await;
    add(&mut zoe, &id, 10, "fixed in v2", Some(first), Value::Null).await;
    ed.recv_type("room_event").await;
    ed.send(json!({"type": "resolve_comment", "comment_id": accents, "resolved": true}))
        .await;
    ed.recv_type("room_event").await;

    let (code, headers, pdf) = s.fetch(&format!("/api/media/{id}/report"), Some(OWNER), &[]).await;
    assert_eq!(code, 200, "{}", String::from_utf8_lossy(&pdf));
    assert_eq!(headers.get("content-type").unwrap(), "application/pdf");
    let cd = headers.get("content-disposition").unwrap().to_str().unwrap();
    assert!(cd.starts_with("attachment"), "{cd}");
    assert!(cd.contains("filename*=UTF-8''sc%C3%A8ne%2012_report.pdf"), "{cd}");
    let file = dir.path().join("report.pdf");
    std::fs::write(&file, &pdf).unwrap();
    let text = poppler("pdftotext", &["-layout", file.to_str().unwrap(), "-"]);
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for want in [
        "scène 12",
        "Review status: needs review",
        "v1",
        "too dark on the left",
        "zoe",
        ": fixed in v2",
        "· ed ·",
        "Grüße: schön, café crème",
        "resolved by ed",
        "00:00:00:10",
        "frame 10",
        "00:00:02:00",
        "00:00:03:00",
        "Notes: 3 (2 open, 1 resolved)",
    ] {
        assert!(flat.contains(want), "{want:?} missing from the report:\n{text}");
    }
    // The long note wraps over lines, every word kept.
    assert_eq!(
        flat.matches("the grain shifts between the plates").count(),
        12,
        "{text}"
    );
    assert!(text.lines().all(|l| l.chars().count() < 140), "{text}");
    // A still for each note, as poppler lists the images.
    let images = poppler("pdfimages", &["-list", file.to_str().unwrap()]);
    let jpegs: Vec<&str> = images.lines().skip(2).collect();
    assert_eq!(jpegs.len(), 3, "{images}");
    assert!(
        jpegs.iter().all(|l| l.contains(" jpeg ") && l.contains(" 320 ")),
        "{images}"
    );
    let png_base = dir.path().join("page");
    poppler(
        "pdftoppm",
        &[
            "-png",
            "-r",
            "50",
            "-f",
            "1",
            "-l",
            "1",
            file.to_str().unwrap(),
            png_base.to_str().unwrap(),
        ],
    );
    let page = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .find(|e| e.file_name().to_string_lossy().starts_with("page"))
        .expect("pdftoppm wrote page 1");
    let page = tiny_skia::Pixmap::decode_png(&std::fs::read(page.path()).unwrap()).unwrap();
    assert!(
        page.width() > 380 && page.height() > 550,
        "{}x{}",
        page.width(),
        page.height()
    );

    // The still of the note with the arrow: red along its line, blue away from it.
    let (code, headers, png) = s
        .fetch(
            &format!("/api/media/{id}/comments/{first}/still.png"),
            Some(REVIEWER),
            &[],
        )
        .await;
    assert_eq!(code, 200, "{}", String::from_utf8_lossy(&png));
    assert_eq!(headers.get("content-type").unwrap(), "image/png");
    let still = tiny_skia::Pixmap::decode_png(&png).unwrap();
    assert_eq!((still.width(), still.height()), (320, 240));
    for x in (48..270).step_by(8) {
        let p = still.pixel(x, 120).unwrap();
        assert!(red(p), "({x}, 120) is not red: {p:?}");
    }
    for (x, y) in [(160, 40), (20, 200), (300, 30)] {
        let p = still.pixel(x, y).unwrap();
        assert!(
            p.blue() > 150 && p.red() < 80,
            "({x}, {y}) is not the frame's blue: {p:?}"
        );
    }
    // A note without a drawing has a still without red.
    let (code, _, png) = s
        .fetch(
            &format!("/api/media/{id}/comments/{accents}/still.png"),
            Some(OWNER),
            &[],
        )
        .await;
    assert_eq!(code, 200);
    let plain = tiny_skia::Pixmap::decode_png(&png).unwrap();
    assert!(!plain.pixels().iter().any(|p| red(*p)));

    // Someone it is not shared with sees neither; a comment of another media is not found.
    for path in [
        format!("/api/media/{id}/report"),
        format!("/api/media/{id}/comments/{first}/still.png"),
    ] {
        let (code, _, _) = s.fetch(&path, Some("mallory"), &[]).await;
        assert_eq!(code, 404, "{path}");
    }
    let other = s.commentable_media(OWNER).await;
    let mut ws = joined(&s, OWNER, &other).await;
    let elsewhere = add(&mut ws, &other, 0, "on a media with no picture", None, Value::Null).await;
    let (code, _, _) = s
        .fetch(
            &format!("/api/media/{id}/comments/{elsewhere}/still.png"),
            Some(OWNER),
            &[],
        )
        .await;
    assert_eq!(code, 404);
    let (code, _, _) = s
        .fetch(&format!("/api/media/{id}/comments/nine/still.png"), Some(OWNER), &[])
        .await;
    assert_eq!(code, 404);

    // A media without a picture still gets its report, its notes without stills.
    let (code, _, pdf) = s.fetch(&format!("/api/media/{other}/report"), Some(OWNER), &[]).await;
    assert_eq!(code, 200);
    let file = dir.path().join("other.pdf");
    std::fs::write(&file, &pdf).unwrap();
    let text = poppler("pdftotext", &[file.to_str().unwrap(), "-"]);
    assert!(text.contains("on a media with no picture"), "{text}");
    let images = poppler("pdfimages", &["-list", file.to_str().unwrap()]);
    assert_eq!(images.lines().count(), 2, "{images}");
}
