-- user_api.limitless_key_state() -> none | valid | invalid | forbidden: the caller's Limitless key state,
-- for `GET /me/profile` (the page shows it in its settings). Only the state: never the key, its id or a
-- ciphertext. Security definer because private.limitless_keys is readable by its owner only.
create function user_api.limitless_key_state()
returns text
language sql
stable
security definer
set search_path = ''
as $$
  select coalesce((select k.status from private.limitless_keys k
                   where k.user_id = user_api.current_user_id()), 'none')
$$;
comment on function user_api.limitless_key_state() is
  'The caller''s Limitless key state: none | valid | invalid (401) | forbidden (403); both re-checked every few hours.';

revoke all on function user_api.limitless_key_state() from public, anon;
grant execute on function user_api.limitless_key_state() to authenticated;
