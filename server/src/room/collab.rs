//! The collaborative session's state machine: pure, so its timing rules are unit-tested.
//! Positions are frames; "play" starts a moment ahead on the server clock so all start together.

use dailies_protocol::{CollabAction, CollabState, Rational};

/// How far ahead a play is scheduled, so every client has the message before it starts.
pub const PLAY_DELAY_MS: f64 = 250.0;
pub const MIN_RATE: f64 = 0.1;
pub const MAX_RATE: f64 = 4.0;

pub fn idle() -> CollabState {
    CollabState {
        active: false,
        leader: None,
        playing: false,
        frame: 0,
        at_server_time: 0.0,
        rate: 1.0,
        loop_range: None,
        version: 0,
        locked: false,
        compare: None,
        playlist: None,
    }
}

/// Where playback is at `now` (server ms), as a frame.
pub fn frame_at(s: &CollabState, fps: Option<Rational>, now: f64) -> i64 {
    if !s.playing || now <= s.at_server_time {
        return s.frame;
    }
    let Some(fps) = fps.filter(|f| f.num > 0 && f.den > 0) else {
        return s.frame;
    };
    let elapsed = (now - s.at_server_time) / 1000.0;
    let advanced = (elapsed * s.rate * fps.num as f64 / fps.den as f64).floor() as i64;
    let mut f = s.frame + advanced;
    if let Some((a, b)) = s.loop_range {
        if b >= a && f > b {
            f = a + (f - a) % (b - a + 1);
        }
    }
    f
}

/// Applies a control from `session`. `last_frame` bounds positions when known.
pub fn apply(
    s: &mut CollabState,
    action: &CollabAction,
    session: u64,
    fps: Option<Rational>,
    last_frame: Option<i64>,
    now: f64,
) -> Result<(), String> {
    let check = |f: i64| -> Result<i64, String> {
        if f < 0 {
            return Err("a frame cannot be negative".into());
        }
        Ok(match last_frame {
            Some(l) if l >= 0 => f.min(l),
            _ => f,
        })
    };
    match action {
        CollabAction::Play { frame } => {
            s.frame = check(*frame)?;
            s.playing = true;
            s.at_server_time = now + PLAY_DELAY_MS;
        }
        CollabAction::Pause { frame } => {
            s.frame = check(*frame)?;
            s.playing = false;
            s.at_server_time = now;
        }
        CollabAction::Seek { frame } => {
            s.frame = check(*frame)?;
            s.at_server_time = if s.playing { now + PLAY_DELAY_MS } else { now };
        }
        CollabAction::Rate { rate } => {
            if !rate.is_finite() || *rate < MIN_RATE || *rate > MAX_RATE {
                return Err(format!("rate must be between {MIN_RATE} and {MAX_RATE}"));
            }
            // Rebase so the position does not jump when the speed changes.
            s.frame = frame_at(s, fps, now);
            s.at_server_time = now.max(s.at_server_time);
            s.rate = *rate;
        }
        CollabAction::Loop { range } => {
            if let Some((a, b)) = range {
                if *a < 0 || b < a {
                    return Err("a loop range needs 0 <= start <= end".into());
                }
            }
            s.loop_range = *range;
        }
        CollabAction::TakeLead {} => {}
        CollabAction::Lock { locked } => s.locked = *locked,
        CollabAction::Compare { view } => {
            if let Some(v) = view {
                let unit = |x: f64| x.is_finite() && (0.0..=1.0).contains(&x);
                if !unit(v.wipe) || !unit(v.opacity) {
                    return Err("wipe and opacity lie between 0 and 1".into());
                }
            }
            s.compare = view.clone();
        }
        // The room moves the session to another media itself (`Room::goto`).
        CollabAction::Goto { .. } => return Err("a playlist move is not a playback control".into()),
    }
    s.leader = Some(session);
    s.version += 1;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const FPS: Option<Rational> = Some(Rational { num: 25, den: 1 });

    #[test]
    fn play_is_scheduled_ahead_and_pause_is_exact() {
        let mut s = idle();
        apply(&mut s, &CollabAction::Play { frame: 10 }, 1, FPS, None, 1000.0).unwrap();
        assert!(s.playing);
        assert_eq!(s.at_server_time, 1000.0 + PLAY_DELAY_MS);
        assert_eq!(frame_at(&s, FPS, 1100.0), 10, "not started yet");
        assert_eq!(frame_at(&s, FPS, 1000.0 + PLAY_DELAY_MS + 1000.0), 35);
        apply(&mut s, &CollabAction::Pause { frame: 42 }, 2, FPS, None, 5000.0).unwrap();
        assert!(!s.playing);
        assert_eq!(frame_at(&s, FPS, 9999.0), 42);
        assert_eq!(s.leader, Some(2));
        assert_eq!(s.version, 2);
    }

    #[test]
    fn rate_change_keeps_position() {
        let mut s = idle();
        apply(&mut s, &CollabAction::Play { frame: 0 }, 1, FPS, None, 0.0).unwrap();
        let t = PLAY_DELAY_MS + 2000.0;
        assert_eq!(frame_at(&s, FPS, t), 50);
        apply(&mut s, &CollabAction::Rate { rate: 2.0 }, 1, FPS, None, t).unwrap();
        assert_eq!(frame_at(&s, FPS, t), 50);
        assert_eq!(frame_at(&s, FPS, t + 1000.0), 100);
        assert!(apply(&mut s, &CollabAction::Rate { rate: 0.0 }, 1, FPS, None, t).is_err());
        assert!(apply(&mut s, &CollabAction::Rate { rate: f64::NAN }, 1, FPS, None, t).is_err());
    }

    #[test]
    fn loops_wrap_and_bad_input_is_refused() {
        let mut s = idle();
        apply(&mut s, &CollabAction::Loop { range: Some((10, 19)) }, 1, FPS, None, 0.0).unwrap();
        apply(&mut s, &CollabAction::Play { frame: 10 }, 1, FPS, None, 0.0).unwrap();
        assert_eq!(frame_at(&s, FPS, PLAY_DELAY_MS + 400.0), 10, "wrapped after 10 frames");
        assert_eq!(frame_at(&s, FPS, PLAY_DELAY_MS + 480.0), 12);
        assert!(apply(&mut s, &CollabAction::Loop { range: Some((5, 4)) }, 1, FPS, None, 0.0).is_err());
        assert!(apply(&mut s, &CollabAction::Seek { frame: -1 }, 1, FPS, None, 0.0).is_err());
        apply(&mut s, &CollabAction::Seek { frame: 1_000_000 }, 1, FPS, Some(99), 0.0).unwrap();
        assert_eq!(s.frame, 99, "clamped to the last frame");
    }
}
