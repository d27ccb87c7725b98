/**
 * @module
 * Sign-in form: email and password through Supabase Auth (`signInWithPassword`).
 */
import type { SupabaseClient } from "@supabase/supabase-js";
import { el } from "./dom.ts";

export function signInView(supabase: SupabaseClient): HTMLElement {
  const email = el("input", {
    id: "email",
    name: "email",
    type: "email",
    autocomplete: "username",
    required: true,
  });
  const password = el("input", {
    id: "password",
    name: "password",
    type: "password",
    autocomplete: "current-password",
    required: true,
  });
  const status = el("p", { role: "status", class: "status" });
  const form = el(
    "form",
    { class: "card sign-in", "aria-labelledby": "sign-in-title" },
    el("h2", { id: "sign-in-title" }, "Sign in"),
    el("label", { for: "email" }, "Email"),
    email,
    el("label", { for: "password" }, "Password"),
    password,
    el("button", { type: "submit" }, "Sign in"),
    status,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    status.textContent = "Signing in …";
    const { error } = await supabase.auth.signInWithPassword({
      email: email.value,
      password: password.value,
    });
    status.textContent = error === null ? "" : `Sign-in failed: ${error.message}`;
  });
  return form;
}
