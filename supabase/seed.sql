-- Local development seed for `supabase start` / `supabase db reset` (never applied in production, not used by
-- the test harness). The CLI's stack ships pg_net, so queue.kick_dispatch() takes the HTTP path and reads
-- its target from Vault. Inside the local Docker network, Edge Functions are reachable through the API gateway.
select vault.create_secret('http://api.supabase.internal:8000/functions/v1/dispatch', 'dispatch_url',
  'queue.kick_dispatch(): dispatch Edge Function URL (local)');

-- The bearer token is not committed. After `supabase start`, make a dedicated random token
-- (`openssl rand -hex 32`), set it as the dispatch function's DISPATCH_TOKEN and store it once:
--   select vault.create_secret('<that token>', 'dispatch_token');
-- Never the service_role key: the dispatch function refuses Supabase keys and JWTs as its token.
-- Until then the kick fails with GQ006 DISPATCH_NOT_CONFIGURED (visible in cron.job_run_details).

-- Limitless ingestion: queue.kick_ingest() reads ingest_url / ingest_token the same way.
select vault.create_secret('http://api.supabase.internal:8000/functions/v1/ingest', 'ingest_url',
  'queue.kick_ingest(): ingest Edge Function URL (local)');
--   select vault.create_secret('<the INGEST_TOKEN function secret>', 'ingest_token');
