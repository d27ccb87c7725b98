/**
 * @module
 * What the page says when something goes wrong: one sentence per API error code and per stored failure
 * reason. Raw codes, server messages and stored reasons (which can quote undecodable bytes) never reach the
 * screen; an unknown code gets a general sentence, never the code itself.
 *
 * @example
 * ```ts
 * status.textContent = messageOf(error); // "You were signed out. Please sign in again."
 * failureSentence("UNDECODABLE_AUDIO: CORRUPT_AUDIO: … (starts with \"2□°_\")"); // "A recording could not be read …"
 * ```
 */

const SIGNED_OUT = "You were signed out. Please sign in again.";
const RETRY_LATER = "Processing stopped after several tries because the server was busy or unreachable.";

/** Sentence per API error code (`{ error: { code } }` of the functions, plus the page's own codes). */
export const API_ERROR_SENTENCES: Readonly<Record<string, string>> = Object.freeze({
  NOT_SIGNED_IN: SIGNED_OUT,
  MISSING_TOKEN: SIGNED_OUT,
  INVALID_TOKEN: SIGNED_OUT,
  NOT_A_USER_TOKEN: SIGNED_OUT,
  AUTH_UNAVAILABLE: "Your sign-in could not be checked just now. Try again in a moment.",
  PROFILE_NOT_FOUND: "Your account is not fully set up. Sign out and sign in again, or sign up once more.",
  INVALID_TIME_ZONE: "That is not a time zone we know. Pick one from the list, such as Europe/London.",
  INVALID_DATE_RANGE: "Pick a start date on or before the end date, at most 366 days apart.",
  INVALID_ARGUMENT: "Pick a start date on or before the end date, at most 366 days apart.",
  INVALID_QUERY: "This address asks for a date that does not exist. Go back to your days and pick one.",
  INVALID_BODY: "The server could not accept what was sent. Check what you typed and try again.",
  INVALID_JSON: "The server could not read what the page sent. Reload the page and try again.",
  INVALID_ID: "This laugh or request no longer exists. Reload the page.",
  BODY_TOO_LARGE: "That is too long to save.",
  EVENT_NOT_FOUND: "This laugh no longer exists; it may have been deleted elsewhere. Reload the day.",
  REQUEST_NOT_FOUND: "That reprocessing request no longer exists.",
  RECORDING_NOT_FOUND: "That upload no longer exists. Upload the file again.",
  CONFIRMATION_REQUIRED: 'Type "delete" to confirm first.',
  KEY_REJECTED: "Limitless did not accept this key. Copy it again from the Limitless app.",
  UPSTREAM_UNAVAILABLE:
    "Limitless could not be reached to check the key. Nothing was stored; try again later.",
  QUOTA_EXCEEDED: "You have uploaded as much as one day allows. Try again tomorrow.",
  RECORDING_OVERLAP: "A recording already covers this time. Nothing was uploaded twice.",
  RECORDING_TOO_LARGE: "This file is larger than one upload may be.",
  INVALID_RANGE: "This recording's time is in the future or before the year 2000; check the file's time.",
  UPLOAD_MISSING: "The file did not reach storage. Try the upload again.",
  UPLOAD_SIZE_MISMATCH:
    "The file that reached storage has another size than announced. Try the upload again.",
  UPLOAD_TYPE_MISMATCH:
    "The file that reached storage has another type than announced. Try the upload again.",
  METHOD_NOT_ALLOWED: "This server does not offer that.",
  NOT_FOUND: "This server does not offer that.",
  NETWORK: "The server could not be reached. Check your connection and try again.",
  INTERNAL: "Something went wrong on the server. Try again; if it keeps happening, tell whoever runs it.",
});

const GENERAL = "Something went wrong. Try again; if it keeps happening, reload the page.";

/** The sentence for an API error code, or a general one for a code the page does not know. */
export function apiErrorSentence(code: string): string {
  return API_ERROR_SENTENCES[code] ?? GENERAL;
}

/** Sentence per failure code stored on a failed recording (`CODE: detail`, the job's last error). */
export const FAILURE_SENTENCES: Readonly<Record<string, string>> = Object.freeze({
  UNDECODABLE_AUDIO:
    "A recording could not be read as audio: it is damaged, or not WAV, FLAC, Ogg (Opus or Vorbis) or MP3.",
  UNSUPPORTED_FORMAT:
    "A recording is in a format giggles cannot read. Use WAV, FLAC, Ogg (Opus or Vorbis) or MP3.",
  EMPTY_AUDIO: "A recording held no sound at all.",
  AUDIO_NOT_FOUND: "A recording's file never arrived in storage. Upload it again.",
  AUDIO_FETCH_REJECTED: "Storage would not hand a recording to the detector. Reprocess the day to try again.",
  AUDIO_CHANGED: "A recording's file changed after it was uploaded, so it was not analysed. Upload it again.",
  AUDIO_TOO_LONG: "A recording runs much longer than its upload said. Upload it again with the right times.",
  ENGINE_FAILED: "The laughter detector failed on a recording. Reprocessing the day may help.",
  AUDIO_FETCH_FAILED: RETRY_LATER,
  CLIP_UPLOAD_FAILED: RETRY_LATER,
  DEADLINE_EXCEEDED: RETRY_LATER,
  SHUTTING_DOWN: RETRY_LATER,
  LEASE_EXPIRED: RETRY_LATER,
  INTERNAL: RETRY_LATER,
  KEY_INVALID: "Limitless no longer accepts your key. Enter a new one in Settings.",
});

/** One sentence for a stored failure reason, from its leading code; never the reason's own text. */
export function failureSentence(reason: string): string {
  const code = /^([A-Z][A-Z0-9_]*)\s*:/.exec(reason)?.[1] ?? "";
  return FAILURE_SENTENCES[code] ?? "Processing failed. Reprocessing the day may help.";
}

/** The distinct sentences for a day's failure reasons (three recordings, one cause → one sentence). */
export function failureSentences(reasons: readonly string[]): string[] {
  return [...new Set((reasons.length === 0 ? [""] : reasons).map(failureSentence))];
}

/** Sentence per Supabase Auth error code (`AuthError.code`). */
export const AUTH_ERROR_SENTENCES: Readonly<Record<string, string>> = Object.freeze({
  invalid_credentials: "The email or the password is wrong.",
  user_already_exists: "There is already an account with this email. Sign in, or reset the password.",
  email_exists: "There is already an account with this email. Sign in, or reset the password.",
  weak_password: "Choose a longer password: at least 6 characters.",
  validation_failed: "Check the email address and the password.",
  email_address_invalid: "Check the email address.",
  over_request_rate_limit: "Too many attempts. Wait a minute and try again.",
  over_email_send_rate_limit: "Too many mails were sent to this address. Wait a while and try again.",
  email_not_confirmed: "Confirm your email first: open the link in the mail we sent.",
  signup_disabled: "New accounts are not open on this server.",
  otp_expired: "This link has expired or was already used. Ask for a new one.",
  same_password: "Choose a password other than your old one.",
});

/** The sentence for a Supabase Auth error (by its code; never its raw message). */
export function authErrorSentence(code: string | undefined): string {
  return (
    (code === undefined ? undefined : AUTH_ERROR_SENTENCES[code]) ??
    "Sign-in did not work. Try again in a moment."
  );
}
