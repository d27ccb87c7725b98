-- Issue 21: clip keys are now checked on every row, and a laugh is deleted only through `me`.
--
-- 1. laughter_events_clip_object_key_own_prefix was added NOT VALID (20261201002010): rows stored before it
--    could carry a clip key outside their own `<user_id>/<recording_id>/`, and `DELETE /me/events/:id` deleted
--    whatever object the row named: one user deleted another's clip through such an old row. Those keys are
--    cleared here (the object belongs to whoever's prefix it lies under; a key cannot be "fixed" to point at
--    a clip that was never stored under the row's own prefix), each one first copied to
--    private.clip_keys_cleared so that nothing stored is lost, and the constraint is then validated.
--    The rows are found with the constraint's own expression, so this can never disagree with the check.
-- 2. `authenticated` could `DELETE` its own laughter_events directly (PostgREST), which left the clip object
--    behind with nothing pointing at it. The grant and the policy go; user_api.delete_event becomes SECURITY
--    DEFINER acting on auth.uid() only (like delete_my_data), so `me` stays the one way to delete a laugh, and
--    it deletes row and clip together. It also hands back only a key under the caller's own prefix.

create table private.clip_keys_cleared (
  event_id uuid primary key,
  user_id uuid not null,
  recording_id uuid not null,
  clip_object_key text not null,
  cleared_at timestamptz not null default now()
);
comment on table private.clip_keys_cleared is
  'Clip keys cleared from laughter_events because they lay outside the event''s own <user_id>/<recording_id>/ '
  '(rows stored before laughter_events_clip_object_key_own_prefix). Kept for operators; no API access.';
revoke all on private.clip_keys_cleared from public, anon, authenticated;

-- private.clear_foreign_clip_keys() -> the number of keys cleared. Idempotent; run here once before the
-- constraint is validated, and callable by an operator (and the tests) on rows that bypassed the check.
create or replace function private.clear_foreign_clip_keys()
returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  fits text;
  cleared integer;
begin
  select pg_catalog.pg_get_expr(c.conbin, c.conrelid) into strict fits
  from pg_catalog.pg_constraint c
  where c.conrelid = 'public.laughter_events'::regclass
    and c.conname = 'laughter_events_clip_object_key_own_prefix';
  -- A CHECK passes when its expression is true or null: a row violates it exactly when it is false.
  execute pg_catalog.format($sql$
    with bad as (
      select id, user_id, recording_id, clip_object_key from public.laughter_events where (%s) is false
    ), kept as (
      insert into private.clip_keys_cleared (event_id, user_id, recording_id, clip_object_key)
      select id, user_id, recording_id, clip_object_key from bad
      on conflict (event_id) do update set clip_object_key = excluded.clip_object_key, cleared_at = now()
      returning event_id
    )
    update public.laughter_events e set clip_object_key = null from kept where e.id = kept.event_id
  $sql$, fits);
  get diagnostics cleared = row_count;
  return cleared;
end
$$;
revoke all on function private.clear_foreign_clip_keys() from public, anon, authenticated;

select private.clear_foreign_clip_keys();
alter table public.laughter_events validate constraint laughter_events_clip_object_key_own_prefix;

drop policy laughter_events_delete_own on public.laughter_events;
revoke delete on public.laughter_events from authenticated;

-- user_api.delete_event(event_id) -> (deleted, clip_object_key). The caller (`me`) deletes the clip object
-- in the same transaction, so a failed object delete keeps the row.
create or replace function user_api.delete_event(event_id uuid, out deleted boolean, out clip_object_key text)
language plpgsql
security definer
set search_path = ''
as $$
declare
  uid uuid := user_api.current_user_id();
  gone public.laughter_events;
begin
  delete from public.laughter_events e
  where e.id = delete_event.event_id and e.user_id = uid
  returning e.* into gone;
  deleted := found;
  if deleted then
    clip_object_key := gone.clip_object_key;
    -- The tombstone that keeps a reprocess from bringing the laugh back
    -- (20261204004000_reprocess_keeps_user_edits.sql).
    insert into public.laughter_event_deletions (user_id, recording_id, start_offset_ms, end_offset_ms)
    values (gone.user_id, gone.recording_id, gone.start_offset_ms, gone.end_offset_ms);
  end if;
  -- The validated constraint already guarantees it; the object store is not the place to find out.
  if not pg_catalog.starts_with(delete_event.clip_object_key, uid::text || '/') then
    delete_event.clip_object_key := null;
  end if;
end
$$;
