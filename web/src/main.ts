/**
 * @module
 * The page: sign in with Supabase Auth, then day cards (`#/`), a day (`#/day/YYYY-MM-DD`) and settings
 * (`#/settings`). Talks only to the project's Auth and Edge Functions (see api.ts).
 */
import { createClient, type Session } from "@supabase/supabase-js";
import { createApi } from "./api.ts";
import { messageOf } from "./api-error.ts";
import { loadConfig } from "./config.ts";
import { dayView } from "./day-view.ts";
import { daysView } from "./days-view.ts";
import { button, el, replaceChildren } from "./dom.ts";
import { settingsView } from "./settings-view.ts";
import { signInView } from "./sign-in-view.ts";
import { uploadView } from "./upload-view.ts";
import "./style.css";

const main = document.getElementById("main")!;
const account = document.getElementById("account")!;
const DATE_ROUTE = /^#\/day\/(\d{4}-\d{2}-\d{2})$/;
const DAYS_ROUTE = /^#\/days\/(\d{4}-\d{2}-\d{2})$/;

async function start(): Promise<void> {
  // A password-reset link lands here as #access_token=…&type=recovery (read before supabase-js clears it).
  let recovering = new URLSearchParams(window.location.hash.slice(1)).get("type") === "recovery";
  const config = await loadConfig();
  const supabase = createClient(config.supabaseUrl, config.anonKey);
  const api = createApi({
    supabaseUrl: config.supabaseUrl,
    accessToken: async () => (await supabase.auth.getSession()).data.session?.access_token,
  });
  let session: Session | null = (await supabase.auth.getSession()).data.session;
  let timeZone: string | undefined;

  const show = async (view: () => Promise<HTMLElement>) => {
    main.setAttribute("aria-busy", "true");
    try {
      replaceChildren(main, await view());
    } catch (error) {
      replaceChildren(main, el("p", { role: "alert", class: "notice error" }, messageOf(error)));
    } finally {
      main.removeAttribute("aria-busy");
    }
    main.querySelector("h2")?.setAttribute("tabindex", "-1");
    main.querySelector<HTMLElement>("h2")?.focus();
  };

  const route = async () => {
    if (session === null) {
      replaceChildren(account);
      replaceChildren(main, signInView(supabase));
      return;
    }
    if (recovering) {
      // Arrived by a password-reset link: signed in, and asked for the new password first, until it is
      // saved (USER_UPDATED). supabase-js's own events and its clearing of the link's fragment route again
      // meanwhile: the form already shown stays (re-drawing it lost what was typed).
      if (main.querySelector('form[data-mode="new-password"]') === null) {
        replaceChildren(main, signInView(supabase, "new-password"));
      }
      return;
    }
    replaceChildren(
      account,
      el("span", { class: "email" }, session.user.email ?? ""),
      el("a", { href: "#/upload" }, "Upload"),
      el("a", { href: "#/settings" }, "Settings"),
      button("Sign out", () => void supabase.auth.signOut()),
    );
    timeZone ??= (await api.profile()).timeZone;
    const zone = timeZone;
    const hash = window.location.hash;
    const day = DATE_ROUTE.exec(hash);
    const days = DAYS_ROUTE.exec(hash);
    if (day !== null) await show(() => dayView(api, day[1], { timeZone: zone }));
    else if (days !== null) await show(() => daysView(api, zone, days[1]));
    else if (hash === "#/upload") await show(async () => uploadView(api, { timeZone: zone }));
    else if (hash === "#/settings")
      await show(() =>
        settingsView(api, zone, (changed) => {
          timeZone = changed;
        }),
      );
    else await show(() => daysView(api, zone));
  };

  supabase.auth.onAuthStateChange((event, next) => {
    const changedUser = next?.user.id !== session?.user.id;
    session = next;
    if (event === "PASSWORD_RECOVERY") {
      recovering = true;
      void route();
    } else if (event === "USER_UPDATED" && recovering) {
      // The new password is saved: the page proper from now on (the form then goes to #/).
      recovering = false;
    } else if (changedUser) {
      // Signed out (also from the new-password form): a later sign-in is not a recovery.
      if (next === null) recovering = false;
      timeZone = undefined;
      void route();
    }
  });
  window.addEventListener("hashchange", () => void route());
  await route();
}

start().catch((error: unknown) => {
  replaceChildren(
    main,
    el("p", { role: "alert", class: "error" }, `The page could not start: ${String(error)}`),
  );
});
