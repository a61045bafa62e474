//! Renders the TypeScript declarations of every wire type into one file for the web client.
//! The committed copy lives in client-svelte/src/lib/protocol/; a test fails when it drifts.

use crate::*;
use ts_rs::TS;

/// Relative to the workspace root.
pub const TS_PATH: &str = "client-svelte/src/lib/protocol/protocol.ts";

/// The full text of the generated TypeScript module.
pub fn render() -> String {
    let decls = [
        UserId::decl(),
        MediaId::decl(),
        CommentId::decl(),
        MediaStatus::decl(),
        MediaKind::decl(),
        Rational::decl(),
        HdrSource::decl(),
        ImageSequence::decl(),
        AudioTrack::decl(),
        SpriteSheet::decl(),
        LinkAccess::decl(),
        ShareRole::decl(),
        AccessLevel::decl(),
        ReviewStatus::decl(),
        PlaylistId::decl(),
        StackVersion::decl(),
        StackOrder::decl(),
        VersionComment::decl(),
        CompareMode::decl(),
        CompareAudio::decl(),
        CompareView::decl(),
        PlaylistCursor::decl(),
        PlaylistItem::decl(),
        PlaylistLive::decl(),
        Playlist::decl(),
        PlaylistSummary::decl(),
        PlaylistEdit::decl(),
        PlaylistSharing::decl(),
        MediaInfo::decl(),
        ShareEntry::decl(),
        Sharing::decl(),
        KnownUser::decl(),
        StatusChange::decl(),
        StatusView::decl(),
        NewGuestLink::decl(),
        GuestLinkInfo::decl(),
        GuestLinkCreated::decl(),
        GuestSessionRequest::decl(),
        GuestInfo::decl(),
        GuestMedia::decl(),
        UserInfo::decl(),
        Tool::decl(),
        Point::decl(),
        Shape::decl(),
        Drawing::decl(),
        SubtitleSource::decl(),
        SubtitleTrack::decl(),
        SubtitleTrackEdit::decl(),
        SubtitleCue::decl(),
        Comment::decl(),
        RoomEvent::decl(),
        SeqEvent::decl(),
        Member::decl(),
        MemberChange::decl(),
        CollabState::decl(),
        CollabAction::decl(),
        UserMessage::decl(),
        MailMode::decl(),
        NotifyPref::decl(),
        NotifySettings::decl(),
        NotifySettingsUpdate::decl(),
        TimeDisplay::decl(),
        Preferences::decl(),
        PreferencesUpdate::decl(),
        NewWebhook::decl(),
        WebhookInfo::decl(),
        WebhookDelivery::decl(),
        ErrorCode::decl(),
        OrganizerCrumb::decl(),
        OrganizerFolder::decl(),
        OrganizerActionScope::decl(),
        OrganizerAction::decl(),
        ClientMsg::decl(),
        ServerMsg::decl(),
    ];
    let mut out = String::from(
        "// Generated from the Rust crate dailies-protocol. Do not edit by hand:\n\
         // run `make ts` (DAILIES_UPDATE_TS=1 cargo test -p dailies-protocol ts_types).\n\n",
    );
    out.push_str(&format!("export const PROTOCOL_VERSION = {PROTOCOL_VERSION};\n\n"));
    for d in decls {
        out.push_str("export ");
        out.push_str(d.trim());
        out.push_str("\n\n");
    }
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    #[test]
    fn ts_types_up_to_date() {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
        let path = root.join(super::TS_PATH);
        let fresh = super::render();
        if std::env::var_os("DAILIES_UPDATE_TS").is_some() {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &fresh).unwrap();
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == fresh,
            "{} is out of date with protocol/: run `make ts` and commit the result",
            path.display()
        );
    }
}
