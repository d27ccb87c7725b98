-- Issue 19 item 7: a recording analysed from damaged audio (frames or Ogg pages skipped: "corrupt") was told
-- apart from one cut short ("truncated") only by reading the warning's words. The report function writes
-- recordings.decode_warning starting with its kind (supabase/functions/report/apply-report.ts, toDecodeWarning);
-- this column states the kind, so that the page and the ingest can branch on it: a truncated recording may
-- still arrive whole if asked again later, a corrupt one will not.
--
-- A generated column, so queue.complete (which stores decode_warning, 20261201001000) is not redefined here:
-- other changes to that function stay where they are.

alter table public.recordings
  add column decode_warning_kind text generated always as (
    case
      when decode_warning like 'truncated%' then 'truncated'
      when decode_warning like 'corrupt%' then 'corrupt'
    end
  ) stored;

comment on column public.recordings.decode_warning_kind is
  'The kind of decode_warning: ''truncated'' (the input ended before its announced audio; what arrived was '
  'analysed), ''corrupt'' (damaged frames or pages were skipped; the rest was analysed), null when there is no '
  'warning. A recording both cut and damaged is ''truncated'' (its warning names both, the cut first).';
