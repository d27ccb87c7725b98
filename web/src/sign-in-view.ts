/**
 * @module
 * Getting in, through Supabase Auth: sign in (`signInWithPassword`), create an account (`signUp`, with the
 * browser's time zone as the profile's), ask for a password reset link (`resetPasswordForEmail`, back to
 * this page), and set a new password after following that link (`updateUser`, shown when supabase-js
 * reports `PASSWORD_RECOVERY`). Auth errors are shown as sentences (messages.ts), never Auth's own text.
 */
import type { SupabaseClient } from "@supabase/supabase-js";
import { button, el, replaceChildren, setStatus } from "./dom.ts";
import { authErrorSentence } from "./messages.ts";

export type AuthMode = "sign-in" | "sign-up" | "reset" | "new-password";

function field(id: string, label: string, attributes: Record<string, string | boolean | number>) {
  const input = el("input", { id, name: id, required: true, ...attributes });
  return { input, nodes: [el("label", { for: id }, label), input] };
}

function browserTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}

/** The form for `mode`; `switchTo` shows another mode in the same place. */
export function signInView(
  supabase: SupabaseClient,
  mode: AuthMode = "sign-in",
  switchTo?: (mode: AuthMode) => void,
): HTMLElement {
  const holder = el("div");
  const show = switchTo ?? ((next: AuthMode) => replaceChildren(holder, signInView(supabase, next, show)));
  const status = el("p", { role: "status", class: "status" });
  const email = field("email", "Email", { type: "email", autocomplete: "username" });
  const password = field("password", mode === "sign-in" ? "Password" : "New password", {
    type: "password",
    autocomplete: mode === "sign-in" ? "current-password" : "new-password",
    ...(mode === "sign-in" ? {} : { minlength: 6 }),
  });
  const link = (text: string, next: AuthMode) =>
    button(text, () => show(next), { class: "link", "data-mode": next });

  const titles: Record<AuthMode, string> = {
    "sign-in": "Sign in",
    "sign-up": "Create an account",
    reset: "Reset your password",
    "new-password": "Choose a new password",
  };
  const fields =
    mode === "sign-in" || mode === "sign-up"
      ? [...email.nodes, ...password.nodes]
      : mode === "reset"
        ? email.nodes
        : password.nodes;
  const form = el(
    "form",
    { class: "card sign-in", "aria-labelledby": "sign-in-title", "data-mode": mode },
    el("h2", { id: "sign-in-title" }, titles[mode]),
    mode === "sign-up"
      ? el(
          "p",
          { class: "hint" },
          `Your days will be cut at midnight in ${browserTimeZone()} (change it in Settings).`,
        )
      : null,
    mode === "reset" ? el("p", { class: "hint" }, "We mail you a link to choose a new password.") : null,
    ...fields,
    el(
      "button",
      { type: "submit" },
      {
        "sign-in": "Sign in",
        "sign-up": "Create account",
        reset: "Send the link",
        "new-password": "Save password",
      }[mode],
    ),
    status,
    el(
      "p",
      { class: "auth-links" },
      mode === "sign-in"
        ? link("Create an account", "sign-up")
        : mode === "new-password"
          ? // Signed in by the reset link: leaving the form ends that session, or the page would stay in it.
            button("Cancel and sign out", () => void supabase.auth.signOut().then(() => show("sign-in")), {
              class: "link",
              "data-mode": "sign-in",
            })
          : link("Back to sign in", "sign-in"),
      mode === "sign-in" ? link("Forgot your password?", "reset") : null,
    ),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    setStatus(status, "info", "One moment …");
    if (mode === "sign-in") {
      const { error } = await supabase.auth.signInWithPassword({
        email: email.input.value,
        password: password.input.value,
      });
      setStatus(status, error === null ? "ok" : "error", error === null ? "" : authErrorSentence(error.code));
    } else if (mode === "sign-up") {
      const { data, error } = await supabase.auth.signUp({
        email: email.input.value,
        password: password.input.value,
        options: { data: { time_zone: browserTimeZone() } },
      });
      if (error !== null) setStatus(status, "error", authErrorSentence(error.code));
      else if (data.session === null) {
        setStatus(
          status,
          "ok",
          "Almost there: open the link in the mail we sent you to confirm the address.",
        );
      } else setStatus(status, "ok", "Welcome! Your account is ready.");
    } else if (mode === "reset") {
      const { error } = await supabase.auth.resetPasswordForEmail(email.input.value, {
        redirectTo: `${window.location.origin}${window.location.pathname}`,
      });
      setStatus(
        status,
        error === null ? "ok" : "error",
        error === null
          ? "If an account uses this address, a mail with a link is on its way. Open it on this device."
          : authErrorSentence(error.code),
      );
    } else {
      const { error } = await supabase.auth.updateUser({ password: password.input.value });
      setStatus(
        status,
        error === null ? "ok" : "error",
        error === null ? "Your new password is saved." : authErrorSentence(error.code),
      );
      if (error === null) window.setTimeout(() => window.location.assign("#/"), 800);
    }
  });
  replaceChildren(holder, form);
  return holder;
}
