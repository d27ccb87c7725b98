-- Supabase's default privileges also grant ALL on new sequences in public to anon and authenticated, which
-- gave them nextval() on job_runs' identity sequence (they could burn ids, nothing more). Only the
-- service role and the queue functions insert rows, so take the sequences back from API users.
revoke all on all sequences in schema public from public, anon, authenticated;
