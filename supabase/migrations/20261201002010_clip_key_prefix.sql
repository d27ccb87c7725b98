-- A laugh's clip must be one of its own recording's clips: `<user_id>/<recording_id>/<name>`, where the
-- name is one path segment of [A-Za-z0-9._-] that does not start with a dot. Before this, queue.complete stored any clip_object_key a report
-- carried, and the laughs function presigned it for the event's owner: a report could hand user B a
-- working URL to user A's clip, and `../` went into the signed path. The dispatcher gives every job
-- exactly this prefix (clipKeyPrefix), so honest nodes are unaffected.
--
-- NOT VALID: rows stored before are not re-checked (nothing already stored is lost); every new or
-- changed row is. queue.complete raises 23514 for a violating event, which the report function turns
-- into a permanent INVALID_REPORT failure.

alter table public.laughter_events
  add constraint laughter_events_clip_object_key_own_prefix check (
    clip_object_key is null
    or (
      pg_catalog.starts_with(clip_object_key, user_id::text || '/' || recording_id::text || '/')
      and pg_catalog.length(clip_object_key) <= 1024
      and pg_catalog.substr(clip_object_key, pg_catalog.length(user_id::text || recording_id::text) + 3)
        ~ '^[A-Za-z0-9_-][A-Za-z0-9._-]*$'
    )
  ) not valid;
comment on constraint laughter_events_clip_object_key_own_prefix on public.laughter_events is
  'clip_object_key is null or <user_id>/<recording_id>/<name>, name of [A-Za-z0-9._-] not starting with ".".';
