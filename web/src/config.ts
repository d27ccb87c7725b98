/**
 * @module
 * Where the page finds its project: `config.json` next to it (`{ supabaseUrl, anonKey }`). The local
 * stack's gateway serves one; a deployment puts its project's URL and anon key there.
 */
export interface PageConfig {
  supabaseUrl: string;
  anonKey: string;
}

export async function loadConfig(): Promise<PageConfig> {
  const response = await fetch("./config.json", { cache: "no-store" });
  if (!response.ok) throw new Error(`config.json answered HTTP ${response.status}`);
  const body: unknown = await response.json();
  if (
    typeof body !== "object" ||
    body === null ||
    !("supabaseUrl" in body) ||
    !("anonKey" in body) ||
    typeof body.supabaseUrl !== "string" ||
    typeof body.anonKey !== "string"
  ) {
    throw new Error("config.json must be { supabaseUrl, anonKey }");
  }
  return { supabaseUrl: body.supabaseUrl, anonKey: body.anonKey };
}
