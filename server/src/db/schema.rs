// @generated-shape: mirrors migrations/ (diesel print-schema layout); keep in sync.
// Row ids are `BigInt` although print-schema says `Integer` for SQLite's INTEGER PRIMARY
// KEY: SQLite stores them as 64-bit, and reading them as i32 truncated ids (id + 2^32
// addressed comment id).

diesel::table! {
    comments (id) {
        id -> BigInt,
        media_id -> Text,
        parent_id -> Nullable<BigInt>,
        user_id -> Text,
        text -> Text,
        frame -> BigInt,
        end_frame -> Nullable<BigInt>,
        drawing -> Nullable<Text>,
        created_at -> Timestamp,
        edited_at -> Nullable<Timestamp>,
        deleted -> Bool,
        client_ref -> Nullable<Text>,
        added_seq -> Nullable<BigInt>,
        resolved_by -> Nullable<Text>,
        resolved_at -> Nullable<Timestamp>,
        via_plugin -> Nullable<Text>,
        subtitle_cue -> Nullable<Text>,
    }
}

diesel::table! {
    jobs (id) {
        id -> BigInt,
        media_id -> Text,
        kind -> Text,
        status -> Text,
        attempts -> Integer,
        error -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        lease_owner -> Nullable<Text>,
        lease_until -> Nullable<Timestamp>,
    }
}

diesel::table! {
    media (id) {
        id -> Text,
        owner_id -> Text,
        title -> Text,
        orig_filename -> Text,
        status -> Text,
        error -> Nullable<Text>,
        kind -> Nullable<Text>,
        duration -> Nullable<Double>,
        fps_num -> Nullable<BigInt>,
        fps_den -> Nullable<BigInt>,
        frame_count -> Nullable<BigInt>,
        width -> Nullable<Integer>,
        height -> Nullable<Integer>,
        video_codec -> Nullable<Text>,
        audio_codec -> Nullable<Text>,
        pix_fmt -> Nullable<Text>,
        bitrate -> Nullable<BigInt>,
        audio_channels -> Nullable<Integer>,
        file_size -> BigInt,
        progress -> Nullable<Double>,
        playback_file -> Nullable<Text>,
        thumb_file -> Nullable<Text>,
        sheet_json -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        source -> Text,
        link_access -> Text,
        review_status -> Text,
        field_order -> Nullable<Text>,
        hdr_json -> Nullable<Text>,
        audio_tracks_json -> Nullable<Text>,
        start_frame -> Nullable<BigInt>,
        sequence_json -> Nullable<Text>,
        scrub_file -> Nullable<Text>,
        hdr_file -> Nullable<Text>,
        stack_id -> Nullable<Text>,
        version -> BigInt,
        start_timecode -> Nullable<Text>,
        upload_name -> Nullable<Text>,
    }
}

diesel::table! {
    playlists (id) {
        id -> Text,
        owner_id -> Text,
        title -> Text,
        link_access -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    playlist_items (playlist_id, position) {
        playlist_id -> Text,
        position -> BigInt,
        media_id -> Text,
        shares -> Bool,
        added_by -> Text,
    }
}

diesel::table! {
    playlist_shares (playlist_id, user_id) {
        playlist_id -> Text,
        user_id -> Text,
        role -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    media_shares (media_id, user_id) {
        media_id -> Text,
        user_id -> Text,
        role -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    status_history (id) {
        id -> BigInt,
        media_id -> Text,
        status -> Text,
        user_id -> Text,
        user_name -> Text,
        at -> Timestamp,
    }
}

diesel::table! {
    guest_links (id) {
        id -> BigInt,
        media_id -> Nullable<Text>,
        token_hash -> Text,
        label -> Nullable<Text>,
        password_hash -> Nullable<Text>,
        expires_at -> Nullable<Timestamp>,
        can_comment -> Bool,
        can_download -> Bool,
        created_by -> Text,
        created_at -> Timestamp,
        last_used_at -> Nullable<Timestamp>,
        uses -> BigInt,
        playlist_id -> Nullable<Text>,
    }
}

diesel::table! {
    guest_sessions (id) {
        id -> BigInt,
        link_id -> BigInt,
        token_hash -> Text,
        name -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    room_events (media_id, seq) {
        media_id -> Text,
        seq -> BigInt,
        event -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    organizer_kv (plugin, key) {
        plugin -> Text,
        key -> Text,
        value -> Binary,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    user_messages (id) {
        id -> BigInt,
        user_id -> Text,
        kind -> Text,
        media_id -> Nullable<Text>,
        comment_id -> Nullable<BigInt>,
        text -> Text,
        seen -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        name -> Text,
        is_admin -> Bool,
        created_at -> Timestamp,
        last_seen -> Timestamp,
    }
}

diesel::table! {
    user_quotas (user_id) {
        user_id -> Text,
        stored_bytes -> Nullable<BigInt>,
        upload_bytes -> Nullable<BigInt>,
        uploads -> Nullable<BigInt>,
        comment_bytes_per_day -> Nullable<BigInt>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    webhook_endpoints (id) {
        id -> BigInt,
        url -> Text,
        secret -> Text,
        events -> Text,
        format -> Text,
        source -> Text,
        active -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> Text,
        endpoint_id -> BigInt,
        event -> Text,
        body -> Text,
        state -> Text,
        attempts -> Integer,
        next_at -> Timestamp,
        created_at -> Timestamp,
        last_status -> Nullable<Integer>,
        last_error -> Nullable<Text>,
        done_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    notify_settings (user_id) {
        user_id -> Text,
        email -> Nullable<Text>,
        email_source -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    user_preferences (user_id) {
        user_id -> Text,
        time_display -> Text,
        first_frame -> Nullable<BigInt>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    notify_prefs (user_id, kind) {
        user_id -> Text,
        kind -> Text,
        mode -> Text,
    }
}

diesel::table! {
    mail_outbox (id) {
        id -> BigInt,
        user_id -> Text,
        period -> Text,
        items -> Text,
        state -> Text,
        attempts -> Integer,
        next_at -> Timestamp,
        created_at -> Timestamp,
        last_error -> Nullable<Text>,
        done_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    mail_digest_items (id) {
        id -> BigInt,
        user_id -> Text,
        period -> Text,
        item -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    unsubscribe_tokens (token_hash) {
        token_hash -> Text,
        user_id -> Text,
        kind -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    subtitle_tracks (id) {
        id -> BigInt,
        media_id -> Text,
        title -> Text,
        language -> Nullable<Text>,
        offset_ms -> BigInt,
        is_default -> Bool,
        source -> Text,
        file_name -> Text,
        created_at -> Timestamp,
    }
}

diesel::joinable!(comments -> media (media_id));
diesel::joinable!(comments -> users (user_id));
diesel::joinable!(jobs -> media (media_id));
diesel::joinable!(media_shares -> media (media_id));
diesel::joinable!(status_history -> media (media_id));
diesel::joinable!(subtitle_tracks -> media (media_id));
diesel::joinable!(guest_links -> media (media_id));
diesel::joinable!(guest_sessions -> guest_links (link_id));
diesel::joinable!(media -> users (owner_id));
diesel::joinable!(room_events -> media (media_id));
diesel::joinable!(playlist_items -> playlists (playlist_id));
diesel::joinable!(playlist_items -> media (media_id));
diesel::joinable!(playlist_shares -> playlists (playlist_id));
diesel::joinable!(guest_links -> playlists (playlist_id));
diesel::joinable!(user_messages -> users (user_id));
diesel::joinable!(webhook_deliveries -> webhook_endpoints (endpoint_id));

diesel::allow_tables_to_appear_in_same_query!(
    comments,
    guest_links,
    guest_sessions,
    jobs,
    mail_digest_items,
    mail_outbox,
    media,
    media_shares,
    notify_prefs,
    notify_settings,
    organizer_kv,
    playlist_items,
    playlist_shares,
    playlists,
    room_events,
    status_history,
    subtitle_tracks,
    unsubscribe_tokens,
    user_messages,
    user_preferences,
    user_quotas,
    users,
    webhook_deliveries,
    webhook_endpoints,
);
