-- The nightly sweep: hand each user's local day to the queue once the day is over (+ grace), in the
-- user's own zone. Replaces the old "one cron time for everyone, only yesterday" design, which lagged
-- some zones by two days and never backfilled missed days (ORIGINAL.md §4.3, §4.5).

-- queue.sweep(now, grace) -> (days_swept, jobs_enqueued)
--   A (user, local_date) is due when the local day has ended plus grace:
--     ((local_date + 1)::timestamp at time zone time_zone) + grace <= now.
--   Converting the next local midnight to an instant makes 23 h and 25 h DST days and +5:30 / +12:45
--   offsets come out right without any offset arithmetic. Every due day with pending recordings is
--   swept, however old (catch-up after downtime), and recorded in queue.swept_days; its recordings get a
--   job. Running it again finds no pending recordings, so it enqueues nothing.
--   Inactive profiles are skipped (their recordings stay pending until reactivated).
create or replace function queue.sweep(
  now timestamptz default pg_catalog.now(),
  grace interval default interval '2 hours',
  out days_swept integer,
  out jobs_enqueued integer
)
language plpgsql
security definer
set search_path = ''
as $$
#variable_conflict use_column
declare
  day record;
  target_id uuid;
begin
  days_swept := 0;
  jobs_enqueued := 0;
  for day in
    select r.user_id, r.local_date
    from public.recordings r
    join public.profiles p on p.user_id = r.user_id and p.is_active
    where r.status = 'pending'
      and ((r.local_date + 1)::timestamp at time zone r.time_zone) + sweep.grace <= sweep.now
    group by r.user_id, r.local_date
    order by r.local_date, r.user_id
  loop
    insert into queue.swept_days (user_id, local_date) values (day.user_id, day.local_date)
    on conflict do nothing;
    days_swept := days_swept + 1;
    for target_id in
      select r.id from public.recordings r
      where r.user_id = day.user_id and r.local_date = day.local_date and r.status = 'pending'
      order by r.started_at
      for update skip locked
    loop
      perform queue.enqueue(target_id);
      jobs_enqueued := jobs_enqueued + 1;
    end loop;
  end loop;
end
$$;
comment on function queue.sweep(timestamptz, interval) is
  'Hourly: enqueues the pending recordings of every (user, local day) that ended + grace before now.';

-- Recordings registered after their day was swept (a late upload) are queued at once.
create or replace function private.recordings_enqueue_late()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if exists (
    select 1 from queue.swept_days s where s.user_id = new.user_id and s.local_date = new.local_date
  ) then
    perform queue.enqueue(new.id);
  end if;
  return null;
end
$$;

create trigger recordings_enqueue_late
  after insert on public.recordings
  for each row execute function private.recordings_enqueue_late();

revoke all on all functions in schema private from public, anon, authenticated;
revoke all on all functions in schema queue from public, anon, authenticated;
grant execute on all functions in schema queue to service_role;
